"""The job page follows its job live (rows, counts, actions) and stops polling once the job is final; the jobs
index lists, filters and links the jobs (issue 14)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.core.jobs import JobItemFailed, job_create, register_job_handler, run_chunk
from apps.core.models import Job
from apps.core.testing import ListViewTests


@register_job_handler("test.pages")
def _handler(*, job, item):
    if item.payload.get("fail"):
        raise JobItemFailed(f"{item.key} refused")
    return {"done": "yes"}


def _job(user, title="Two items"):
    # django_db without transaction: the chunks queued on commit never run; the test runs them (the worker)
    return job_create(
        kind="test.pages", title=title, user=user, items=[("good-1", {}), ("bad-1", {"fail": True})]
    )


def _poll(client, job):
    return client.get(job.get_absolute_url(), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="job-detail")


@pytest.mark.django_db
def test_the_job_page_rows_and_actions_follow_the_job_until_it_is_final(operator_client, operator):
    job = _job(operator)
    page = operator_client.get(job.get_absolute_url())
    assert page.status_code == 200
    body = page.content.decode()
    assert body.count(">Pending</span>") == 3  # the job and both rows
    assert 'hx-trigger="every 1s"' in body and "Retry the" not in body

    poll = _poll(operator_client, job)
    assert poll.status_code == 200  # still pending: keep polling
    assert poll.content.decode().lstrip().startswith('<div id="job-detail"')

    run_chunk(job_id=job.pk, first_seq=0, last_seq=1)  # the worker processes both items
    poll = _poll(operator_client, job)
    assert poll.status_code == 286  # final: htmx swaps this answer and stops polling
    body = poll.content.decode()
    assert "Finished with failures" in body and "2</span> of 2 done" in body
    assert ">Succeeded</span>" in body and ">Failed</span>" in body and "bad-1 refused" in body
    assert ">Pending</span>" not in body
    assert "Retry the 1 failed" in body
    assert "every 1s" not in body
    # a plain page load of a final job is an ordinary page
    assert operator_client.get(job.get_absolute_url()).status_code == 200


@pytest.mark.django_db
def test_a_viewer_follows_the_job_but_is_not_offered_the_retry(viewer_client, operator):
    job = _job(operator)
    run_chunk(job_id=job.pk, first_seq=0, last_seq=1)
    poll = _poll(viewer_client, job)
    assert poll.status_code == 286
    assert ">Failed</span>" in poll.content.decode() and "Retry the" not in poll.content.decode()
    assert viewer_client.post(reverse("core:job_retry", kwargs={"pk": job.pk})).status_code == 403
    job.refresh_from_db()
    assert job.status == Job.Status.PARTIAL


JOBS = reverse("core:job_list")


@pytest.mark.django_db
def test_the_jobs_index_lists_filters_and_links_the_jobs(viewer_client, operator, admin_member):
    mine = _job(operator, title="Operator's job")
    theirs = _job(admin_member, title="Admin's job")
    run_chunk(job_id=theirs.pk, first_seq=0, last_seq=1)  # finished with failures; mine is pending
    page = viewer_client.get(JOBS)  # a viewer may look
    assert page.status_code == 200
    body = page.content.decode()
    assert body.index("Admin&#x27;s job") < body.index("Operator&#x27;s job")  # newest first
    assert f'href="{mine.get_absolute_url()}"' in body and f'href="{theirs.get_absolute_url()}"' in body
    assert "0 of 2 done" in body and "2 of 2 done · 1 succeeded · 1 failed" in body
    assert ">Finished with failures</span>" in body and ">Pending</span>" in body
    assert "A job is running; this list refreshes itself." in body  # mine is not final

    def listed(**query):
        response = viewer_client.get(JOBS, query, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="object-list")
        assert response.status_code == 200
        return [t for t in ("Operator&#x27;s job", "Admin&#x27;s job") if t in response.content.decode()]

    assert listed(user=operator.username) == ["Operator&#x27;s job"]
    assert listed(status="partial") == ["Admin&#x27;s job"]
    assert listed(kind="test.pages", user=admin_member.username) == ["Admin&#x27;s job"]
    assert listed(kind="sims.bulk_status") == []
    invalid = viewer_client.get(JOBS, {"status": "no-such-status"})
    assert invalid.status_code == 200 and "Some filters are not valid: status" in invalid.content.decode()


@pytest.mark.django_db
def test_the_jobs_index_follows_running_jobs_and_stops_polling_once_all_are_final(viewer_client, operator):
    job = _job(operator)
    poll = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "object-list", "HTTP_HX_TRIGGER": "jobs-poller"}
    response = viewer_client.get(JOBS, **poll)
    assert response.status_code == 200 and "0 of 2 done" in response.content.decode()
    run_chunk(job_id=job.pk, first_seq=0, last_seq=1)
    response = viewer_client.get(JOBS, **poll)
    assert response.status_code == 286  # every job shown is final: htmx swaps this and stops
    body = response.content.decode()
    assert "2 of 2 done" in body and ">Finished with failures</span>" in body
    assert "this list refreshes itself" not in body


@pytest.mark.django_db
def test_the_main_navigation_links_the_jobs_index(viewer_client):
    body = viewer_client.get(reverse("core:home")).content.decode()
    assert f'href="{JOBS}"' in body and ">Jobs<" in body


def test_the_jobs_index_needs_a_login(client, db):
    response = client.get(JOBS)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


class TestJobList(ListViewTests):
    url_name = "core:job_list"
    filter_query = "status=failed"

    def make_rows(self):
        Job.objects.create(kind="sims.update", title="kept-job", status=Job.Status.FAILED)
        Job.objects.create(kind="sims.update", title="dropped-job", status=Job.Status.SUCCEEDED)
        return "kept-job", "dropped-job"
