"""Recovery after a killed worker or a lost message: the heartbeat that keeps a sync lock alive, runs reaped
from their lock or heartbeat, and beat's ``sync_reconcile`` (tier 1: the sandbox over HTTP, tasks eager).
The same with a real worker, a real beat and a Redis restarted: tests/test_faults_restarts.py."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.fleets.models import Fleet
from apps.sims.models import Sim
from apps.sync import services
from apps.sync.lock import Heartbeat, lock_held_by, make_lock
from apps.sync.models import SyncRun
from apps.sync.registry import RESOURCES, ordered

from .conftest import faults

pytestmark = pytest.mark.django_db(transaction=True)
S = SyncRun.Status
UNREACHABLE_REDIS = "redis://127.0.0.1:9/0"  # a closed local port


def test_a_beating_lock_outlives_its_timeout_and_a_silent_one_is_taken_over():
    holder = make_lock("fleets", timeout=1)
    assert holder.acquire()
    beats: list[float] = []
    with Heartbeat(holder, beat=lambda: beats.append(time.monotonic()), interval=0.2) as heartbeat:
        time.sleep(1.6)  # longer than the timeout: the heartbeat extended it
        assert lock_held_by("fleets", holder.token)
        assert not make_lock("fleets", timeout=1).acquire()
        assert not heartbeat.lost
    assert len(beats) >= 4
    time.sleep(1.2)  # the holder stopped beating (a killed worker): its lock expires
    taker = make_lock("fleets", timeout=1)
    assert taker.acquire()
    assert not holder.extend()  # the old holder learns it lost the lock
    taker.release()


def test_a_heartbeat_that_loses_its_lock_says_so():
    holder = make_lock("sims", timeout=1)
    assert holder.acquire()
    with Heartbeat(holder, interval=0.2) as heartbeat:
        holder.release()  # e.g. Redis restarted empty: the lock is not ours any more
        time.sleep(0.6)
        assert heartbeat.lost


def test_a_page_slower_than_the_lock_timeout_keeps_the_lock(sandbox, settings):
    settings.SYNC_LOCK_TIMEOUT = 1
    faults(sandbox, delay_ms=2500)  # the only page of fleets takes 2.5 s: longer than the lock lives
    (run,) = services.runs_create(resources=["fleets"])
    run = services.sync_resource(run=run)
    assert run.status == S.SUCCEEDED and run.swept, run.error
    assert Fleet.objects.count() == 3
    run.refresh_from_db()
    assert run.heartbeat_at > run.started_at


def test_a_running_run_whose_lock_cannot_be_checked_is_failed_from_its_heartbeat(settings):
    settings.REDIS_URL = UNREACHABLE_REDIS  # the lock's holder is unknown
    settings.SYNC_LOCK_TIMEOUT = 20  # stale after 3 x 20 s without a heartbeat
    now = timezone.now()
    beating = SyncRun.objects.create(resource="fleets", status=S.RUNNING, lock_token="a", heartbeat_at=now)
    silent = SyncRun.objects.create(
        resource="sims", status=S.RUNNING, lock_token="b", heartbeat_at=now - timedelta(seconds=61)
    )
    assert services.mark_stale_runs() == 1
    assert SyncRun.objects.get(pk=beating.pk).status == S.RUNNING  # not failed on a guess
    silent.refresh_from_db()
    assert silent.status == S.FAILED and silent.error == services.WORKER_STOPPED


def test_reconcile_queues_what_is_due_and_nothing_twice(sandbox, settings):
    settings.SUPERSIM_PAGE_SIZE = 200
    outcome = services.sync_reconcile()  # nothing was ever synced: everything is due (tasks run eagerly)
    assert outcome["queued"] == [r.name for r in ordered()] and outcome["failed"] == 0
    assert set(SyncRun.objects.values_list("status", flat=True)) == {S.SUCCEEDED}
    assert SyncRun.objects.filter(source=SyncRun.Source.BEAT).count() == len(RESOURCES)
    assert services.sync_reconcile()["queued"] == []  # all synced just now: not due
    assert SyncRun.objects.count() == len(RESOURCES)

    # the interval passed for the SIMs only
    SyncRun.objects.filter(resource="sims").update(created_at=timezone.now() - timedelta(seconds=901))
    assert services.sync_reconcile()["queued"] == ["sims"]


def test_reconcile_fails_a_dead_workers_run_and_syncs_its_resource_again_at_once(sandbox):
    assert services.sync_resource(run=services.runs_create(resources=["sims"])[0]).status == S.SUCCEEDED
    for name in set(RESOURCES) - {"sims"}:  # synced just now: not due
        SyncRun.objects.create(resource=name, status=S.SUCCEEDED, complete=True)
    # a sync_all killed in the SIMs: the SIMs running with a lock nobody holds, the next run still queued
    batch = services.runs_create(resources=["sims", "esim_profiles"])
    SyncRun.objects.filter(pk=batch[0].pk).update(
        status=S.RUNNING, lock_token="dead", started_at=timezone.now()
    )
    outcome = services.sync_reconcile()
    assert outcome == {"failed": 1, "resent": [batch[1].pk], "queued": ["sims"]}
    dead, rest = (SyncRun.objects.get(pk=r.pk) for r in batch)
    assert dead.status == S.FAILED and dead.error == services.WORKER_STOPPED and not dead.swept
    assert rest.status == S.SUCCEEDED  # its message died with the worker: sent again, run
    again = SyncRun.objects.filter(resource="sims").order_by("-pk").first()
    assert again.source == SyncRun.Source.BEAT and again.status == S.SUCCEEDED and again.swept
    assert Sim.objects.filter(removed_at__isnull=True).count() == 30


def test_an_interrupted_resource_is_retried_at_once_three_times_in_a_row_then_waits(sandbox):
    for name in RESOURCES:
        SyncRun.objects.create(resource=name, status=S.SUCCEEDED, complete=True)
    for retries in range(services.INTERRUPTED_RETRIES):
        SyncRun.objects.create(resource="sims", status=S.FAILED, error=services.WORKER_STOPPED)
        due = services._due_resources(now=timezone.now())
        assert due == ([] if retries + 1 >= services.INTERRUPTED_RETRIES else ["sims"])


def test_reconcile_sends_again_a_queued_run_whose_message_was_lost(sandbox):
    for name in RESOURCES:
        SyncRun.objects.create(resource=name, status=S.SUCCEEDED, complete=True)
    recent = timezone.now() - timedelta(seconds=services.QUEUED_RESEND_SECONDS + 1)
    SyncRun.objects.update(created_at=recent, started_at=recent, finished_at=recent)
    (lost,) = services.runs_create(resources=["fleets"])  # its message vanished (Redis restarted)
    (waiting,) = services.runs_create(resources=["sims"])
    assert services.sync_reconcile()["resent"] == []  # just queued: an idle worker takes it in milliseconds
    SyncRun.objects.filter(pk=lost.pk).update(created_at=recent)
    # a run is running (its worker alive): the queued ones wait their turn
    live = make_lock("naps")
    assert live.acquire()
    running = SyncRun.objects.create(resource="naps", status=S.RUNNING, lock_token=live.token)
    assert services.sync_reconcile()["resent"] == []
    SyncRun.objects.filter(pk=running.pk).update(status=S.SUCCEEDED, finished_at=recent, started_at=recent)
    live.release()
    assert services.sync_reconcile()["resent"] == [lost.pk]
    lost.refresh_from_db()
    assert lost.status == S.SUCCEEDED and Fleet.objects.count() == 3
    assert SyncRun.objects.get(pk=waiting.pk).status == S.QUEUED  # still young: not sent again
