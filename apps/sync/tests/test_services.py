"""The sync engine over real HTTP against the sandbox (live_server)."""

from __future__ import annotations

import sys
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from apps.fleets.models import Fleet
from apps.networks.models import Network, NetworkAccessProfile, NetworkAccessProfileNetwork
from apps.sandbox import models as sandbox_models
from apps.sims.models import Sim
from apps.supersim.client import get_client
from apps.sync import services
from apps.sync.lock import make_lock
from apps.sync.models import SyncRun
from apps.sync.registry import RESOURCES, ordered
from apps.usage.models import UsageRecord

from .conftest import faults, remove_upstream_sim

pytestmark = pytest.mark.django_db(transaction=True)
S = SyncRun.Status


def sync(name: str) -> SyncRun:
    (run,) = services.runs_create(resources=[name], source=SyncRun.Source.CLI)
    return services.sync_resource(run=run)


def test_registry_order():
    names = [r.name for r in ordered()]
    assert names.index("naps") < names.index("nap_networks") < names.index("usage")
    assert names.index("fleets") < names.index("sims") < names.index("settings_updates")
    assert [r.name for r in ordered(["sims", "networks"])] == ["networks", "sims"]
    with pytest.raises(KeyError):
        ordered(["nope"])


@pytest.mark.providers
def test_full_sync_equals_the_sandbox_and_resync_changes_nothing(sandbox, settings):
    settings.SUPERSIM_PAGE_SIZE = 200  # few requests: this test is about content, paging is tested below
    runs = services.sync_all(source=SyncRun.Source.CLI)
    assert [r.resource for r in runs] == [r.name for r in ordered()]
    assert {r.resource: r.status for r in runs} == dict.fromkeys(RESOURCES, S.SUCCEEDED), [
        (r.resource, r.error) for r in runs
    ]
    # the facts: the sandbox's own tables (not answers fetched through the client the sync used)
    upstream = {
        sid: (status, iccid, fleet)
        for sid, status, iccid, fleet in sandbox_models.Sim.objects.values_list(
            "sid", "status", "iccid", "fleet__sid"
        )
    }
    assert len(upstream) == 30
    local = {s.sid: (s.status, s.iccid, s.fleet_id) for s in Sim.objects.all()}
    assert local == upstream
    assert not Sim.objects.filter(removed_at__isnull=False).exists()
    assert set(Fleet.objects.values_list("sid", flat=True)) == set(
        sandbox_models.Fleet.objects.values_list("sid", flat=True)
    )
    assert set(Network.objects.values_list("sid", flat=True)) == set(
        sandbox_models.Network.objects.values_list("sid", flat=True)
    )
    assert set(NetworkAccessProfile.objects.values_list("sid", flat=True)) == set(
        sandbox_models.NetworkAccessProfile.objects.values_list("sid", flat=True)
    )
    assert set(NetworkAccessProfileNetwork.objects.values_list("nap_id", "network_id")) == set(
        sandbox_models.NapNetwork.objects.values_list("nap__sid", "network__sid")
    )
    sims_run = next(r for r in runs if r.resource == "sims")
    assert (sims_run.pages, sims_run.items, sims_run.created) == (1, 30, 30)
    assert sims_run.complete and sims_run.swept and sims_run.removed == 0
    usage_run = next(r for r in runs if r.resource == "usage")
    assert usage_run.window_start and usage_run.window_end and usage_run.complete
    assert UsageRecord.objects.filter(group="sim", granularity="day").exists()
    assert UsageRecord.objects.filter(group="fleet", granularity="hour").exists()

    before = dict(Sim.objects.values_list("sid", "synced_at"))
    again = services.sync_all(source=SyncRun.Source.CLI)
    for run in again:
        assert run.status == S.SUCCEEDED, (run.resource, run.error)
        if run.resource != "usage":  # the current hour's usage grows while we watch
            assert (run.created, run.updated, run.removed) == (0, 0, 0), run.resource
            assert run.unchanged == run.items
    assert Sim.objects.count() == 30
    assert dict(Sim.objects.values_list("sid", "synced_at")) == before  # unchanged rows: not even written
    assert Sim.objects.filter(removed_at__isnull=False).count() == 0


def test_sim_removed_upstream_is_marked_removed(sandbox):
    first = sync("sims")
    assert (first.status, first.pages, first.items) == (S.SUCCEEDED, 5, 30)  # PageSize 7
    gone = Sim.objects.order_by("sid").first().sid
    new_sid = remove_upstream_sim(gone)
    run = sync("sims")
    assert run.status == S.SUCCEEDED and run.swept
    assert (run.created, run.removed) == (1, 1)
    assert Sim.objects.get(sid=gone).removed_at is not None
    assert Sim.objects.get(sid=new_sid).removed_at is None
    assert Sim.objects.filter(removed_at__isnull=True).count() == 30

    # it comes back upstream (and the other SID goes): restored when seen again, the other one swept
    remove_upstream_sim(new_sid, new_sid=gone)
    run = sync("sims")
    assert run.status == S.SUCCEEDED and (run.updated, run.removed, run.unchanged) == (1, 1, 29)
    assert Sim.objects.get(sid=gone).removed_at is None
    assert Sim.objects.get(sid=new_sid).removed_at is not None


def test_the_cached_sim_counts_change_only_when_a_run_changed_a_sim(sandbox):
    from apps.core.cache import data_version
    from apps.sims.selectors import SIMS_DATA

    sync("sims")
    version = data_version(SIMS_DATA)
    assert sync("sims").unchanged == 30
    assert data_version(SIMS_DATA) == version  # a no-change pass: no 100k-row recount after it
    remove_upstream_sim(Sim.objects.order_by("sid").first().sid)
    assert (sync("sims").created, data_version(SIMS_DATA) != version) == (1, True)


def test_faults_lose_nothing_and_the_next_run_converges(sandbox):
    assert sync("sims").status == S.SUCCEEDED
    before = dict(Sim.objects.values_list("sid", "status"))
    gone = sorted(before)[0]
    remove_upstream_sim(gone)
    # 20% of requests answered 429/500 (retried), and page 2 of the SIMs failing for good
    faults(sandbox, rate_429=0.1, rate_500=0.1, seed=4, fail_page="/v1/Sims:2")
    run = sync("sims")
    assert run.status == S.FAILED
    assert not run.complete and not run.swept and run.removed == 0
    assert "20500" in run.error and "nothing was swept" in run.error
    assert run.retryable  # a 5xx: the task would try again later
    assert run.pages == 2  # pages 0 and 1 were written
    assert Sim.objects.filter(removed_at__isnull=False).count() == 0  # nothing local lost
    after = dict(Sim.objects.values_list("sid", "status"))
    assert {sid: after[sid] for sid in before} == before  # every local row as it was (new ones may appear)

    faults(sandbox, clear=True)
    run = sync("sims")
    assert run.status == S.SUCCEEDED and run.swept and run.removed == 1
    assert Sim.objects.get(sid=gone).removed_at is not None
    assert Sim.objects.filter(removed_at__isnull=True).count() == 30


def test_retried_faults_alone_still_succeed(sandbox):
    faults(sandbox, rate_429=0.1, rate_500=0.1, seed=9)
    run = sync("sims")
    assert run.status == S.SUCCEEDED and run.swept
    assert Sim.objects.count() == 30
    assert get_client().stats["retries"] > 0


def test_a_second_concurrent_sync_is_refused(sandbox):
    holder = make_lock("sims")
    assert holder.acquire()
    run = sync("sims")
    assert run.status == S.SKIPPED
    assert "already running" in run.error
    assert Sim.objects.count() == 0
    holder.release()

    # two real syncs at once: while the first is between pages, a second one starts and is refused
    (first,) = services.runs_create(resources=["sims"])
    (second,) = services.runs_create(resources=["sims"])

    def progress(run, items):
        if run.pages == 1:
            services.sync_resource(run=second)

    services.sync_resource(run=first, progress=progress)
    assert first.status == S.SUCCEEDED and first.swept
    second.refresh_from_db()
    assert second.status == S.SKIPPED and f"run #{first.pk}" in second.error
    assert second.pages == 0


def test_a_run_left_running_by_a_dead_worker_is_failed(db):
    lock = make_lock("fleets", timeout=60)
    assert lock.acquire()
    alive = SyncRun.objects.create(resource="fleets", status=S.RUNNING, lock_token=lock.token)
    dead = SyncRun.objects.create(resource="sims", status=S.RUNNING, lock_token="token-of-a-dead-worker")
    old = SyncRun.objects.create(resource="naps", status=S.QUEUED)
    SyncRun.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=1))
    assert services.mark_stale_runs() == 2
    assert SyncRun.objects.get(pk=alive.pk).status == S.RUNNING
    dead.refresh_from_db()
    assert dead.status == S.FAILED and "lock expired" in dead.error and dead.finished_at
    assert SyncRun.objects.get(pk=old.pk).status == S.FAILED
    lock.release()
    assert services.mark_stale_runs() == 1


def test_a_finished_run_is_not_run_again(sandbox):
    run = sync("fleets")
    assert run.status == S.SUCCEEDED
    finished = run.finished_at
    assert services.sync_resource(run=run).finished_at == finished  # idempotent (redelivered task)


def test_sim_details(sandbox):
    sid = get_client().sims_list(status="active")[0]["sid"]
    run = services.sync_sim_details(sim_sid=sid)
    assert run.status == S.SUCCEEDED, run.error
    assert run.resource == "sim_details" and run.scope == sid
    from apps.sims.models import BillingPeriod

    assert BillingPeriod.objects.filter(sim_id=sid).count() == len(get_client().sim_billing_periods(sid))


def test_management_command(sandbox):
    out = __import__("io").StringIO()
    call_command("sync", "fleets", "naps", "--no-progress", stdout=out)
    assert "fleets" in out.getvalue() and "succeeded" in out.getvalue()
    assert Fleet.objects.count() == 3
    faults(sandbox, fail_page="/v1/Sims:0")
    with pytest.raises(CommandError) as excinfo:
        call_command("sync", "sims", "--no-progress", stdout=out)
    assert excinfo.value.returncode == 1
    with pytest.raises(CommandError):
        call_command("sync", "nope", stdout=out)


def test_an_unreachable_lock_service_fails_each_run_retryably_and_sync_all_goes_on(sandbox, settings):
    settings.REDIS_URL = "redis://127.0.0.1:9/0"  # nothing listens there: the Redis lock cannot be taken
    runs = services.sync_all(runs=services.runs_create(resources=["fleets", "sims"]))
    assert [r.resource for r in runs] == ["fleets", "sims"]
    for run in runs:
        run.refresh_from_db()
        assert run.status == S.FAILED and run.retryable
        assert "cannot take the sync lock" in run.error
    assert Sim.objects.count() == 0 and Fleet.objects.count() == 0


def test_pages_are_committed_in_groups_and_a_failing_write_undoes_only_its_group(sandbox, monkeypatch):
    # an error while FETCHING keeps the pages already written in the open group (they are complete)
    faults(sandbox, fail_page="/v1/Sims:2")  # the third page of 7 SIMs fails for good
    run = sync("sims")
    assert run.status == S.FAILED and not run.swept and run.pages == 2
    assert Sim.objects.count() == 14  # pages 0 and 1 committed, though their group was still open
    faults(sandbox, clear=True)
    Sim.objects.all().delete()

    monkeypatch.setattr(services, "COMMIT_PAGES", 2)  # pages 1+2 committed together, 3+4, ...
    monkeypatch.setattr(services, "COMMIT_SECONDS", 60)
    (run,) = services.runs_create(resources=["sims"], source=SyncRun.Source.CLI)

    def progress(run, items):  # called inside the open group, after each page is written
        if run.pages == 3:
            raise RuntimeError("disk full")

    services.sync_resource(run=run, progress=progress)
    run.refresh_from_db()
    assert run.status == S.FAILED and "disk full" in run.error and not run.swept
    # pages 1-2 were committed; page 3 opened the next group, which was rolled back with the run's counts
    assert Sim.objects.count() == 14
    assert (run.pages, run.items, run.created) == (2, 14, 14)
    assert sync("sims").status == S.SUCCEEDED and Sim.objects.filter(removed_at__isnull=True).count() == 30


def test_a_sync_in_a_web_process_leaves_the_thread_switch_interval_alone(sandbox):
    default = sys.getswitchinterval()
    inside: list[float] = []
    services.sync_resource(
        run=services.runs_create(resources=["fleets"], source=SyncRun.Source.CLI)[0],
        progress=lambda run, n: inside.append(sys.getswitchinterval()),
    )
    assert inside and set(inside) == {default}
    assert sys.getswitchinterval() == default


def test_a_celery_worker_switches_threads_every_millisecond():
    from celery.signals import worker_init

    default = sys.getswitchinterval()
    assert default == 0.005  # Python's own: the test process is not a worker
    try:
        worker_init.send(sender=None)  # what `celery worker` sends as it starts
        assert sys.getswitchinterval() == 0.001
    finally:
        sys.setswitchinterval(default)
