"""Tier 2: ``sync_all`` through a real Celery worker process on Redis + PostgreSQL.

The worker reads its settings from the environment at start-up, so this module starts its own worker, pointed
at the sandbox served by ``live_server`` and consuming a queue of its own (the shared test worker keeps the
default queue and the real API settings).
"""

from __future__ import annotations

import io
import subprocess
import time

import pytest
from django.conf import settings
from django.core.management import call_command

from apps.core.testing import missing, start_worker, worker_env
from apps.sims.models import Sim
from apps.sync import services
from apps.sync.models import SyncRun
from apps.sync.registry import RESOURCES
from apps.sync.tasks import sync_all_task

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
QUEUE = "sync-tests"


@pytest.fixture(scope="module")
def sync_worker(django_db_setup, live_server, django_db_blocker):
    db = settings.DATABASES["default"]
    if not settings.REDIS_URL:
        missing("tier 2 needs REDIS_URL pointing at a running Redis")
    if db["ENGINE"] == "django.db.backends.sqlite3":
        missing("tier 2 needs DATABASE_URL pointing at PostgreSQL")
    env = worker_env(
        api_base_url=f"{live_server.url}/sandbox",
        SUPERSIM_PAGE_SIZE="100",
        SYNC_USAGE_INITIAL_DAYS="2",
        SYNC_USAGE_HOURLY_DAYS="1",
    )
    proc, log = start_worker(name="sync-worker", env=env, queue=QUEUE)
    yield proc
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def wait_final(run_ids: list[int], timeout: float = 120) -> list[SyncRun]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = list(SyncRun.objects.filter(pk__in=run_ids).order_by("pk"))
        if all(r.is_final for r in runs):
            return runs
        time.sleep(0.3)
    pytest.fail(f"sync runs not finished in {timeout}s: {[(r.resource, r.status) for r in runs]}")


def test_sync_all_through_the_worker(sync_worker, live_server):
    call_command("sandbox_seed", sims=30, fleets=3, seed=5, inventory=2, stdout=io.StringIO())
    runs = services.runs_create(source=SyncRun.Source.UI)
    sync_all_task.apply_async(kwargs={"run_ids": [r.pk for r in runs]}, queue=QUEUE)
    done = wait_final([r.pk for r in runs])
    assert {r.resource: r.status for r in done} == dict.fromkeys(RESOURCES, SyncRun.Status.SUCCEEDED), [
        (r.resource, r.error) for r in done
    ]
    assert all(r.task_id for r in done)
    assert Sim.objects.count() == 30
    assert sync_worker.poll() is None

    # the beat entry: no arguments, the worker creates its own runs; nothing changed upstream
    statuses = sync_all_task.apply_async(queue=QUEUE).get(timeout=120)
    assert statuses == dict.fromkeys(RESOURCES, "succeeded")
    beat_sims = SyncRun.objects.filter(source=SyncRun.Source.BEAT, resource="sims").get()
    assert (beat_sims.created, beat_sims.updated, beat_sims.unchanged) == (0, 0, 30)
