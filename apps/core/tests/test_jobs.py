from datetime import timedelta

import pytest
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.core.csvsafe import csv_safe
from apps.core.jobs import (
    JobItemFailed,
    job_create,
    job_retry_failed,
    jobs_resume_stalled,
    register_job_handler,
    run_chunk,
)
from apps.core.models import Job, JobItem

CALLS: list[str] = []


@register_job_handler("test.echo")
def echo(*, job, item):
    CALLS.append(item.key)
    if item.payload.get("fail"):
        raise JobItemFailed(f"{item.key} refused")
    return {"echo": item.payload.get("value", "")}


@pytest.fixture(autouse=True)
def _reset_calls(settings):
    CALLS.clear()
    settings.JOB_CHUNK_SIZE = 3


@pytest.mark.django_db
def test_a_job_runs_every_item_once_in_chunks(operator):
    job = job_create(
        kind="test.echo", title="Echo", user=operator, items=[(f"k{i}", {"value": i}) for i in range(7)]
    )
    # eager tasks run on commit; with the test's transaction, run the queued work explicitly:
    for first in (0, 3, 6):
        run_chunk(job_id=job.pk, first_seq=first, last_seq=first + 2)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert (job.total, job.processed, job.succeeded, job.failed) == (7, 7, 7, 0)
    assert CALLS == [f"k{i}" for i in range(7)]
    assert JobItem.objects.get(job=job, key="k4").result == {"echo": 4}
    assert AuditEvent.objects.filter(action="job.create", object_id=str(job.pk)).exists()


@pytest.mark.django_db
def test_a_redelivered_chunk_changes_nothing_twice(operator):
    job = job_create(kind="test.echo", title="Echo", user=operator, items=[("a", {}), ("b", {})])
    run_chunk(job_id=job.pk, first_seq=0, last_seq=1)
    run_chunk(job_id=job.pk, first_seq=0, last_seq=1)  # the same chunk delivered again
    assert CALLS == ["a", "b"]
    job.refresh_from_db()
    assert job.processed == 2


@pytest.mark.django_db
def test_an_item_held_by_a_live_worker_is_skipped_and_a_dead_ones_is_resumed(operator):
    job = job_create(kind="test.echo", title="Echo", user=operator, items=[("a", {}), ("b", {})])
    # a worker claimed "a" and died: its lease is still valid
    JobItem.objects.filter(job=job, key="a").update(
        status="running", attempts=1, lease_until=timezone.now() + timedelta(minutes=5)
    )
    run_chunk(job_id=job.pk, first_seq=0, last_seq=1)
    assert CALLS == ["b"]
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING  # not final while "a" is open
    # the lease expires; the stalled job is resumed and "a" finishes
    JobItem.objects.filter(job=job, key="a").update(lease_until=timezone.now() - timedelta(seconds=1))
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    assert jobs_resume_stalled(stalled_after=60) == [job.pk]
    job.refresh_from_db()
    assert CALLS == ["b", "a"] and job.status == Job.Status.SUCCEEDED
    assert JobItem.objects.get(job=job, key="a").attempts == 2


@pytest.mark.django_db
def test_failures_are_reported_and_can_be_retried(operator):
    job = job_create(
        kind="test.echo", title="Echo", user=operator, items=[("good", {}), ("bad", {"fail": True})]
    )
    run_chunk(job_id=job.pk, first_seq=0, last_seq=1)
    job.refresh_from_db()
    assert job.status == Job.Status.PARTIAL and job.failed == 1
    assert JobItem.objects.get(job=job, key="bad").error == "bad refused"
    JobItem.objects.filter(job=job, key="bad").update(payload={})
    assert job_retry_failed(job=job, user=operator) == 1
    run_chunk(job_id=job.pk, first_seq=0, last_seq=1)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and (job.succeeded, job.failed) == (2, 0)
    assert CALLS == ["good", "bad", "bad"]


@pytest.mark.django_db(transaction=True)
def test_job_pages_progress_retry_and_csv(operator_client, operator):
    job = job_create(
        kind="test.echo",
        title="Echo",
        user=operator,
        items=[("=cmd|' /C calc'!A0", {"value": 1}), ("x", {"fail": True})],
    )
    job.refresh_from_db()  # eager: the chunks ran on commit
    assert job.status == Job.Status.PARTIAL
    page = operator_client.get(f"/jobs/{job.pk}/")
    assert page.status_code == 200 and b"Retry the 1 failed" in page.content
    progress = operator_client.get(f"/jobs/{job.pk}/", HTTP_HX_REQUEST="true")
    assert progress.status_code == 286  # final: htmx stops polling
    assert "jobFinished" in progress["HX-Trigger"]
    csv_text = b"".join(operator_client.get(f"/jobs/{job.pk}/results.csv").streaming_content).decode()
    assert csv_text.splitlines()[0] == "key,status,error,echo"
    assert "'=cmd" in csv_text  # formula neutralised
    response = operator_client.post(f"/jobs/{job.pk}/retry/")
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="job.retry_failed").exists()


@pytest.mark.django_db
def test_progress_keeps_polling_while_running(viewer_client, operator):
    job = Job.objects.create(
        kind="test.echo", title="Running", status="running", total=10, processed=4, created_by=operator
    )
    response = viewer_client.get(f"/jobs/{job.pk}/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert b'hx-trigger="every 1s"' in response.content and b"4</span> of 10" in response.content


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+x", "'+x"),
        ("-2", "'-2"),
        ("@a", "'@a"),
        ("plain", "plain"),
        (None, ""),
        (5, "5"),
    ],
)
def test_csv_safe(value, safe):
    assert csv_safe(value) == safe
