"""Tier 2: the Celery worker killed with SIGKILL in the middle of a sync and of a bulk job.

Each test starts its own worker subprocess (PostgreSQL test DB + Redis, the sandbox served by
``live_server``, a queue of its own), slows the sandbox down (``delay_ms``) so the work is still running when
the worker is killed, then starts a new worker and runs what a restart runs (a new sync run; the beat's
``jobs_resume_stalled``). It checks that both finish, that no SIM is changed twice and no local row lost, and
that the run/job rows end in a true state (never ``running`` forever).
"""

from __future__ import annotations

import io
import time
from collections import Counter

import pytest
from django.core.management import call_command

from apps.audit.models import AuditEvent
from apps.core.jobs import job_create, jobs_resume_stalled
from apps.core.models import Job, JobItem
from apps.core.testing import WorkerProcess, missing, wait_for, worker_env
from apps.core.testing import sandbox_faults as faults
from apps.sandbox import models as upstream
from apps.sims.models import Sim
from apps.sync import services
from apps.sync.models import SyncRun
from apps.sync.tasks import sync_resource_task
from supersim_admin.celery import app

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
QUEUE = "faults-tests"
LOCK_SECONDS = 3  # the killed worker's sync lock and item leases expire this fast


class Worker(WorkerProcess):
    """A Celery worker subprocess on QUEUE, pointed at the sandbox, that the test may kill."""

    def __init__(self, live_server, name: str):
        env = worker_env(
            api_base_url=f"{live_server.url}/sandbox",
            SUPERSIM_PAGE_SIZE="20",
            SYNC_LOCK_TIMEOUT=str(LOCK_SECONDS),
            JOB_ITEM_LEASE_SECONDS=str(LOCK_SECONDS),
            JOB_CHUNK_SIZE="40",
        )
        super().__init__(name=f"faults-{name}", env=env, queue=QUEUE)


@pytest.fixture
def faulty_sandbox(sandbox_api, settings):
    if not settings.REDIS_URL or settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        missing("tier 2 needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL)")
    settings.SUPERSIM_PAGE_SIZE = 100
    call_command("sandbox_seed", sims=300, fleets=3, seed=11, inventory=0, stdout=io.StringIO())
    previous = app.conf.task_routes
    # jobs dispatched by the test go to OUR worker (pointed at the sandbox), never to another one
    app.conf.task_routes = {"core.job_run_chunk": {"queue": QUEUE}}
    app.amqp.flush_routes()  # routes and router are built once and cached: rebuild them
    app.amqp.router = app.amqp.Router()
    assert app.amqp.router.route({}, "core.job_run_chunk")["queue"].name == QUEUE
    workers: list[Worker] = []
    yield sandbox_api, workers
    app.conf.task_routes = previous
    app.amqp.flush_routes()
    app.amqp.router = app.amqp.Router()
    for worker in workers:
        worker.stop()
    faults(sandbox_api, clear=True)


def test_sync_killed_mid_way_loses_nothing_and_the_next_run_finishes(faulty_sandbox, live_server):
    base, workers = faulty_sandbox
    first = services.sync_resource(run=services.runs_create(resources=["sims"])[0])  # fast, in-process
    assert first.status == SyncRun.Status.SUCCEEDED and Sim.objects.count() == 300
    before = dict(Sim.objects.values_list("sid", "status"))
    gone = upstream.Sim.objects.order_by("sid").first()
    gone.sid = "HS" + "f" * 32  # it leaves upstream: the killed run must not sweep anything
    gone.save(update_fields=["sid"])
    gone_sid = sorted(before)[0]

    faults(base, delay_ms=120)  # 15 pages of 20 SIMs: a few seconds
    workers.append(Worker(live_server, "a"))
    (run,) = services.runs_create(resources=["sims"])
    sync_resource_task.apply_async(args=[run.pk], queue=QUEUE)
    wait_for(lambda: SyncRun.objects.filter(pk=run.pk, pages__gte=3).exists(), 30, "three pages")
    workers[0].kill()
    run.refresh_from_db()
    assert run.status == SyncRun.Status.RUNNING and 3 <= run.pages < 15
    # nothing was swept, no local row lost or changed
    assert Sim.objects.filter(removed_at__isnull=False).count() == 0
    assert dict(Sim.objects.filter(sid__in=before).values_list("sid", "status")) == before

    time.sleep(LOCK_SECONDS + 0.5)  # the dead worker's lock expires
    faults(base, delay_ms=0)
    workers.append(Worker(live_server, "b"))
    (again,) = services.runs_create(resources=["sims"])
    sync_resource_task.apply_async(args=[again.pk], queue=QUEUE)
    wait_for(lambda: SyncRun.objects.get(pk=again.pk).is_final, 60, "the new run")
    again.refresh_from_db()
    run.refresh_from_db()
    assert run.status == SyncRun.Status.FAILED and "worker stopped" in run.error and run.finished_at
    assert not run.swept
    assert again.status == SyncRun.Status.SUCCEEDED and again.swept and again.removed == 1, again.error
    assert Sim.objects.get(sid=gone_sid).removed_at is not None  # swept by the complete run only
    assert Sim.objects.filter(removed_at__isnull=True).count() == 300  # 299 + the one under its new SID
    assert not SyncRun.objects.filter(status__in=SyncRun.ACTIVE).exists()


def test_bulk_job_killed_mid_way_resumes_and_changes_each_sim_once(faulty_sandbox, live_server, operator):
    base, workers = faulty_sandbox
    assert services.sync_resource(run=services.runs_create(resources=["fleets"])[0]).status == "succeeded"
    assert services.sync_resource(run=services.runs_create(resources=["sims"])[0]).status == "succeeded"
    target = upstream.Fleet.objects.order_by("sid").first().sid
    sims = list(Sim.objects.exclude(fleet_id=target).order_by("sid").values_list("sid", flat=True)[:160])
    assert len(sims) == 160

    faults(base, delay_ms=60)  # two API calls per SIM (update + fetch): ~20 s for the whole job
    workers.append(Worker(live_server, "a"))
    job = job_create(
        kind="sims.bulk_fleet",
        title="Move 160 SIMs",
        user=operator,
        items=[(sid, {"fleet": target}) for sid in sims],
    )
    wait_for(lambda: Job.objects.get(pk=job.pk).processed >= 30, 60, "30 SIMs processed")
    workers[0].kill()
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING and 30 <= job.processed < 160

    time.sleep(LOCK_SECONDS + 0.5)  # the item in flight: its lease expires
    faults(base, delay_ms=0)
    workers.append(Worker(live_server, "b"))
    assert jobs_resume_stalled(stalled_after=0) == [job.pk]  # what the beat runs every minute
    wait_for(lambda: Job.objects.get(pk=job.pk).is_final, 60, "the job to finish")
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert (job.total, job.processed, job.succeeded, job.failed) == (160, 160, 160, 0)
    assert not JobItem.objects.filter(job=job).exclude(status=JobItem.Status.SUCCEEDED).exists()
    # every SIM moved, upstream and locally
    assert set(upstream.Sim.objects.filter(sid__in=sims).values_list("fleet__sid", flat=True)) == {target}
    assert set(Sim.objects.filter(sid__in=sims).values_list("fleet_id", flat=True)) == {target}
    # no SIM changed twice: one audit entry per SIM, except at most the one item in flight at the kill
    changes = Counter(
        AuditEvent.objects.filter(action="sim.update_fleet", success=True).values_list("object_id", flat=True)
    )
    assert set(changes) == set(sims)
    retried = set(JobItem.objects.filter(job=job, attempts__gt=1).values_list("key", flat=True))
    assert len(retried) <= 1
    assert {sid for sid, n in changes.items() if n > 1} <= retried
