"""Tier 2: connection events are processed by a real Celery worker on the ``events`` queue of its own; a
delivery answered 202 is kept while no worker runs, and nothing is lost or doubled across a worker SIGKILL
and a replay of the batch."""

from __future__ import annotations

import datetime as dt

import pytest
import requests

from apps.core.testing import WorkerProcess, _redis_ok, missing, wait_for, worker_env
from apps.events.models import ConnectionEvent, EventBatch
from apps.events.testing import cloud_event

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
AUTH = ("sink", "worker-sink-password")
T0 = dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.UTC)


def _processed(*ids):
    return lambda: EventBatch.objects.filter(pk__in=ids, status="processed").count() == len(ids)


def test_events_queue_worker_processes_what_was_kept(live_server, settings):
    if not settings.REDIS_URL or not _redis_ok(settings.REDIS_URL):
        missing("tier 2 needs REDIS_URL pointing at a running Redis")
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        missing("tier 2 needs DATABASE_URL pointing at PostgreSQL")
    import redis

    redis.Redis.from_url(settings.REDIS_URL).delete("events")  # messages of earlier runs
    settings.CONNECTION_EVENTS_BASIC_USERNAME, settings.CONNECTION_EVENTS_BASIC_PASSWORD = AUTH
    url = f"{live_server.url}/webhooks/connection-events/"
    first = [cloud_event("attachment.accepted", sim_sid=f"HS{i:032x}", at=T0) for i in range(20)]

    answer = requests.post(url, json=first, auth=AUTH, timeout=10)
    assert answer.status_code == 202
    batch_a = answer.json()["batch"]
    assert EventBatch.objects.get(pk=batch_a).status == "queued" and ConnectionEvent.objects.count() == 0

    env = worker_env()
    worker = WorkerProcess(name="events-worker", env=env, queue="events")
    try:
        wait_for(_processed(batch_a), 30, "the events worker to process the kept batch")
        assert ConnectionEvent.objects.count() == 20
        worker.kill()
        # while no worker runs: a replay of the whole batch and a new one are kept, answered 202
        replay = requests.post(url, json=first, auth=AUTH, timeout=10).json()["batch"]
        second = [cloud_event("attachment.accepted", sim_sid=f"HS{i:032x}", at=T0) for i in range(20, 25)]
        batch_b = requests.post(url, json=second, auth=AUTH, timeout=10).json()["batch"]
    finally:
        worker.stop()
    worker = WorkerProcess(name="events-worker-2", env=env, queue="events")
    try:
        wait_for(_processed(replay, batch_b), 30, "the new worker to process what waited")
    finally:
        worker.stop()
    assert ConnectionEvent.objects.count() == 25
    assert EventBatch.objects.get(pk=replay).duplicates == 20
