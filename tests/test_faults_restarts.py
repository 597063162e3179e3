"""Tier 2: Redis restarted and PostgreSQL connections dropped while a real Celery worker syncs SIMs.

* Redis: the test starts a redis-server of its own (a free port, no persistence) so the shared Redis is never
  touched; the worker uses it for everything (broker, results, cache, sync lock), and so does the dashboard
  of the test process. It is killed while a sync runs: the dashboard keeps answering, the interrupted run ends
  in a final state, and once Redis is back a new run (queued through the same broker) converges.
* PostgreSQL: the worker's backends (found by their ``application_name``) are terminated in the middle of a
  sync: the worker itself ends the run (failed, nothing swept), no local row is lost or mixed up, and the
  worker goes on serving tasks (Celery's Django fixup closes every connection after each task, so a broken
  one never outlives the task that saw it; the next task connects afresh).

* Recovery (issue 23): with a real worker AND a real ``celery beat`` on a private Redis, a worker SIGKILLed
  mid-sync and a Redis restarted mid-sync (a queued ``sync_all`` losing its message) are followed by a
  complete, correct sync of every resource within ``RECOVERY_BOUND`` seconds of the worker being back: the
  dead run's lock expires (heartbeat), beat's ``sync.reconcile`` fails the dead run, sends the lost or dead
  batch's queued runs again and queues the interrupted resource. The figures go to
  ``test-results/recovery-seconds.txt``.

One tier-1 test: the pages answer with the cache and the sync lock pointed at a closed port.
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from apps.core.testing import BASE_DIR, RESULTS_DIR, WorkerProcess, missing, wait_for, worker_env
from apps.core.testing import sandbox_faults as faults
from apps.sandbox import models as upstream
from apps.sims.models import Sim
from apps.sync import services
from apps.sync.models import SyncRun
from apps.sync.registry import RESOURCES

QUEUE = "faults-restarts"
SIMS = 300
REDIS_CACHE = "django.core.cache.backends.redis.RedisCache"
UNREACHABLE_REDIS = "redis://127.0.0.1:9/0"  # a closed local port


def worker_test(test):
    """Tier 2: a real worker, transactions committed (the worker subprocess must see the rows)."""
    return pytest.mark.worker(pytest.mark.django_db(transaction=True)(test))


# --- a Redis of the test's own -----------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateRedis:
    """A redis-server on a free port, no persistence (a restart loses everything, as a crash would)."""

    def __init__(self, directory):
        self.port = _free_port()
        self.dir = directory
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None
        RESULTS_DIR.mkdir(exist_ok=True)
        self.log = open(RESULTS_DIR / "redis-faults-restarts.log", "w")  # noqa: SIM115 - closed in stop()
        self.start()

    def start(self) -> None:
        cmd = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        cmd += ["--appendonly", "no", "--dir", str(self.dir), "--protected-mode", "no"]
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT)
        wait_for(self.ping, 10, "the private redis-server")

    def ping(self) -> bool:
        import redis

        try:
            return bool(redis.Redis.from_url(self.url, socket_connect_timeout=0.5, retry=None).ping())
        except redis.RedisError:
            return False

    def kill(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        assert not self.ping()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.log.close()


def celery_app_on(url: str):
    """A Celery app of its own on broker/backend ``url``: tasks are sent by name (``send_task``)."""
    from celery import Celery

    app = Celery("faults-restarts", broker=url, backend=url, set_as_current=False)
    app.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        broker_connection_retry_on_startup=True,
    )
    return app


# --- fixtures and helpers ---------------------------------------------------------------------------------
def _need_postgres(settings) -> None:
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        missing("tier 2 needs PostgreSQL (DATABASE_URL)")


@pytest.fixture
def seeded(sandbox_api, settings):
    """The sandbox (SIMS SIMs) brought into the local tables in-process; faults cleared at the end."""
    _need_postgres(settings)
    settings.SUPERSIM_PAGE_SIZE = 100
    call_command("sandbox_seed", sims=SIMS, fleets=3, seed=13, inventory=0, stdout=io.StringIO())
    yield sandbox_api
    faults(sandbox_api, clear=True)


def sync_in_process() -> SyncRun:
    run = services.sync_resource(run=services.runs_create(resources=["sims"])[0])
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    return run


def local_sims() -> dict[str, tuple]:
    return {
        sid: tuple(rest)
        for sid, *rest in Sim.objects.filter(removed_at__isnull=True).values_list(
            "sid", "iccid", "status", "unique_name", "fleet_id"
        )
    }


def upstream_sims() -> dict[str, tuple]:
    return {
        sid: (iccid, status, name or "", fleet)
        for sid, iccid, status, name, fleet in upstream.Sim.objects.values_list(
            "sid", "iccid", "status", "unique_name", "fleet__sid"
        )
    }


def drift_upstream() -> str:
    """Changes the next complete run must bring in: 10 SIMs renamed, one gone (its SID changed)."""
    later = timezone.now() + timedelta(seconds=1)
    for sim in upstream.Sim.objects.order_by("-sid")[:10]:
        sim.unique_name = f"renamed-{sim.pk}"
        sim.date_updated = later
        sim.save(update_fields=["unique_name", "date_updated"])
    gone = upstream.Sim.objects.order_by("sid").first()
    old_sid = gone.sid
    gone.sid = "HS" + "e" * 32
    gone.save(update_fields=["sid"])
    return old_sid


def assert_intact(before: dict[str, tuple]) -> None:
    """After an interrupted run: no SIM swept or lost, each row as it was or as it is upstream now."""
    now, ups = local_sims(), upstream_sims()
    assert set(before) <= set(now)
    assert not Sim.objects.filter(removed_at__isnull=False).exists()
    mixed = {sid: row for sid, row in now.items() if row not in (before.get(sid), ups.get(sid))}
    assert not mixed


def assert_converged(run: SyncRun, gone_sid: str) -> None:
    run.refresh_from_db()
    assert run.status == SyncRun.Status.SUCCEEDED and run.swept and run.removed == 1, run.error
    assert local_sims() == upstream_sims()  # none lost, every change in
    assert Sim.objects.get(sid=gone_sid).removed_at is not None
    assert not SyncRun.objects.filter(status__in=SyncRun.ACTIVE).exists()


def final(run_id: int) -> SyncRun | None:
    run = SyncRun.objects.get(pk=run_id)
    return run if run.is_final else None


# --- Redis restarted ----------------------------------------------------------------------------------------
@pytest.fixture
def private_redis(tmp_path, settings):
    if not shutil.which("redis-server"):
        missing("needs the redis-server binary (apt-get install redis-server)")
    server = PrivateRedis(tmp_path)
    # the dashboard of this process uses it too: cache and sync lock (what a Redis outage takes away)
    settings.REDIS_URL = server.url
    settings.CACHES = {"default": {"BACKEND": REDIS_CACHE, "LOCATION": server.url}}
    yield server
    server.stop()


#: pages an operator keeps open; the home page and Usage read the cache, the Sync pages check sync locks
OUTAGE_PAGES = [
    "core:home",
    "sims:sim_list",
    "fleets:fleet_list",
    "sync:syncrun_list",
    "usage:usage_overview",
]


@worker_test
def test_redis_restarted_mid_sync(private_redis, seeded, live_server, viewer_client):
    base = seeded
    sync_in_process()
    before = local_sims()
    gone_sid = drift_upstream()
    app = celery_app_on(private_redis.url)
    env = worker_env(
        api_base_url=f"{live_server.url}/sandbox",
        REDIS_URL=private_redis.url,
        SUPERSIM_PAGE_SIZE="20",
    )
    worker = WorkerProcess(name="faults-redis", env=env, queue=QUEUE, app=app)
    try:
        faults(base, delay_ms=1500)  # a page takes 1.5 s: the run is waiting for one when Redis dies
        (run,) = services.runs_create(resources=["sims"])
        app.send_task("sync.sync_resource", args=[run.pk], queue=QUEUE)
        wait_for(lambda: SyncRun.objects.filter(pk=run.pk, pages__gte=1).exists(), 30, "a first page")
        private_redis.kill()

        # the dashboard answers while Redis is away; the run's lock cannot be checked, so the Sync page
        # does not call it dead: it is still running (it was, during every GET)
        for url in [reverse(name) for name in OUTAGE_PAGES] + [run.get_absolute_url()]:
            assert viewer_client.get(url).status_code == 200, url
        assert SyncRun.objects.get(pk=run.pk).status == SyncRun.Status.RUNNING

        # the worker cannot extend its lock: the run ends failed, still during the outage, nothing swept
        run = wait_for(lambda: final(run.pk), 30, "the interrupted run to end")
        assert run.status == SyncRun.Status.FAILED and not run.swept and run.finished_at, run.status
        assert "nothing was swept" in run.error
        assert_intact(before)

        private_redis.start()  # empty: the broker's queue, the results and the locks are gone
        faults(base, delay_ms=0)
        # the worker reconnects to the new Redis; a new run queued through the same broker converges
        wait_for(worker.ping, 30, "the worker to answer again")
        (again,) = services.runs_create(resources=["sims"])
        app.send_task("sync.sync_resource", args=[again.pk], queue=QUEUE)
        wait_for(lambda: final(again.pk), 30, "the new run")
        assert_converged(again, gone_sid)
        assert worker.proc.poll() is None
    finally:
        worker.stop()
        app.close()


@pytest.mark.django_db
def test_pages_answer_when_redis_is_unreachable(settings, viewer_client):
    """Tier 1 (no Redis needed: a closed port): the cache and the sync lock are unreachable."""
    settings.REDIS_URL = UNREACHABLE_REDIS
    settings.CACHES = {"default": {"BACKEND": REDIS_CACHE, "LOCATION": UNREACHABLE_REDIS}}
    run = SyncRun.objects.create(resource="sims", status=SyncRun.Status.RUNNING, lock_token="a-live-worker")
    for url in [reverse(name) for name in OUTAGE_PAGES] + [run.get_absolute_url()]:
        assert viewer_client.get(url).status_code == 200, url
    run.refresh_from_db()
    assert run.status == SyncRun.Status.RUNNING  # not failed on a guess


# --- PostgreSQL connections dropped ------------------------------------------------------------------------
@pytest.fixture
def shared_redis(settings):
    """The tests' Redis (REDIS_URL): broker of the project's Celery app, sync locks."""
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1).ping()
    except (ValueError, redis.RedisError):
        missing("tier 2 needs REDIS_URL pointing at a running Redis")
    return settings.REDIS_URL


def worker_backends(application_name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE application_name = %s AND datname = current_database()",
            [application_name],
        )
        return cursor.fetchone()[0]


def terminate_backends(application_name: str) -> int:
    """``pg_terminate_backend`` on this database's backends named ``application_name`` (never our own)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE application_name = %s AND datname = current_database() AND pid <> pg_backend_pid()",
            [application_name],
        )
        return cursor.fetchone()[0]


@worker_test
def test_postgres_connection_dropped_mid_sync(shared_redis, seeded, live_server):
    from supersim_admin.celery import app

    base = seeded
    sync_in_process()
    before = local_sims()
    gone_sid = drift_upstream()
    name = f"faults-pg-{os.getpid()}"
    env = worker_env(
        api_base_url=f"{live_server.url}/sandbox",
        application_name=name,
        SUPERSIM_PAGE_SIZE="20",
    )
    worker = WorkerProcess(name="faults-pg", env=env, queue=QUEUE, app=app)
    try:
        faults(base, delay_ms=200)  # 15 pages of 20 SIMs: a few seconds
        (run,) = services.runs_create(resources=["sims"])
        app.send_task("sync.sync_resource", args=[run.pk], queue=QUEUE)
        wait_for(lambda: SyncRun.objects.filter(pk=run.pk, pages__gte=3).exists(), 30, "three pages")
        assert terminate_backends(name) >= 1
        faults(base, delay_ms=0)
        assert worker.ping(timeout=30)  # queued behind the sync task: that task is over

        # the worker itself ended the run (nothing here looked for stale runs): failed, nothing swept, its
        # counters those of the pages committed, no local row lost or mixed up
        run.refresh_from_db()
        assert run.status == SyncRun.Status.FAILED and not run.swept and run.finished_at, run.status
        assert "OperationalError" in run.error and "nothing was swept" in run.error
        assert run.pages >= 3 and run.items == 20 * run.pages
        assert_intact(before)
        # Celery's Django fixup closes the worker's connections after every task: a dropped one never
        # outlives the task that saw it (and the next task connects afresh)
        wait_for(lambda: worker_backends(name) == 0, 10, "the worker's connections to close")

        (again,) = services.runs_create(resources=["sims"])
        app.send_task("sync.sync_resource", args=[again.pk], queue=QUEUE)
        wait_for(lambda: final(again.pk), 30, "the new run")
        assert_converged(again, gone_sid)
        assert worker.proc.poll() is None and worker.ping()
    finally:
        worker.stop()


# --- recovery within a minute (worker SIGKILL, Redis restart), beat included -----------------------------
RECOVERY_BOUND = 60  # seconds from the worker back to a complete, correct sync (a behaviour bound)
DEFAULT_QUEUE = "celery"  # the private Redis is this test's alone: worker and beat use the default queue
BATCH = ["fleets", "sims", "ip_commands"]  # a sync_all of three resources: runs before and after the SIMs


class BeatProcess:
    """``celery beat`` as a subprocess (the project's schedule, its state file in ``directory``)."""

    def __init__(self, *, env: dict[str, str], directory):
        self.log = open(RESULTS_DIR / "celery-beat-recovery.log", "w")  # noqa: SIM115 - closed in stop()
        cmd = [sys.executable, "-m", "celery", "-A", "supersim_admin", "beat", "-l", "info"]
        cmd += ["--schedule", str(directory / "celerybeat-schedule")]
        self.proc = subprocess.Popen(cmd, cwd=BASE_DIR, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.log.close()


def recovery_env(live_server, redis_url: str) -> dict[str, str]:
    """Production defaults (lock timeout, beat schedule, intervals), small pages, short usage windows."""
    return worker_env(
        api_base_url=f"{live_server.url}/sandbox",
        REDIS_URL=redis_url,
        SUPERSIM_PAGE_SIZE="20",
        SYNC_USAGE_INITIAL_DAYS="2",
        SYNC_USAGE_HOURLY_DAYS="1",
    )


@pytest.fixture
def recovery(private_redis, seeded, live_server, settings, tmp_path):
    """Every resource synced in-process (nothing due), the upstream drifted, then a worker and beat on the
    private Redis. Yields ``(sandbox, app, env, workers, gone_sid)`` (the test may add to ``workers``)."""
    settings.SYNC_USAGE_INITIAL_DAYS = 2
    settings.SYNC_USAGE_HOURLY_DAYS = 1
    runs = services.sync_all(source=SyncRun.Source.CLI)
    assert {r.resource: r.status for r in runs} == dict.fromkeys(RESOURCES, SyncRun.Status.SUCCEEDED)
    gone_sid = drift_upstream()
    app = celery_app_on(private_redis.url)
    env = recovery_env(live_server, private_redis.url)
    workers = [WorkerProcess(name="recovery-a", env=env, queue=DEFAULT_QUEUE, app=app)]
    beat = BeatProcess(env=env, directory=tmp_path)
    try:
        yield seeded, app, env, workers, gone_sid
    finally:
        beat.stop()
        for worker in workers:
            worker.stop()
        app.close()


def latest_runs() -> dict[str, SyncRun]:
    return {
        name: SyncRun.objects.filter(resource=name, scope="").order_by("-created_at", "-pk").first()
        for name in RESOURCES
    }


def completed_since(moment: datetime, gone_sid: str) -> datetime | None:
    """When the sync converged: no run active, every resource's latest run succeeded (the SIMs' one started
    after ``moment``, complete and swept), the local SIMs equal upstream; the last finish, else None."""
    if SyncRun.objects.filter(status__in=SyncRun.ACTIVE).exists():
        return None
    latest = latest_runs()
    if any(run.status != SyncRun.Status.SUCCEEDED or not run.complete for run in latest.values()):
        return None
    sims = latest["sims"]
    if sims.started_at < moment or not sims.swept or local_sims() != upstream_sims():
        return None
    assert Sim.objects.get(sid=gone_sid).removed_at is not None
    return max(run.finished_at for run in latest.values())


def record_recovery(what: str, done: datetime, *, back: datetime, fault: datetime) -> float:
    """Seconds from the worker back to the complete sync (also written down with the time since the fault)."""
    seconds = (done - back).total_seconds()
    with open(RESULTS_DIR / "recovery-seconds.txt", "a") as out:
        out.write(
            f"{what}: {seconds:.1f} s from the worker back to a complete sync"
            f" ({(done - fault).total_seconds():.1f} s from the {what})\n"
        )
    return seconds


@worker_test
def test_a_sync_recovers_within_a_minute_after_a_worker_sigkill(recovery):
    base, app, env, workers, gone_sid = recovery
    faults(base, delay_ms=300)  # 15 pages of 20 SIMs: ~5 s
    batch = services.runs_create(resources=BATCH)  # one sync_all task, as "Sync now" queues it
    app.send_task("sync.sync_all", kwargs={"run_ids": [r.pk for r in batch]}, queue=DEFAULT_QUEUE)
    killed = next(r for r in batch if r.resource == "sims")
    wait_for(lambda: SyncRun.objects.filter(pk=killed.pk, pages__gte=3).exists(), 60, "three pages")
    workers[0].kill()
    killed_at = datetime.now(UTC)
    faults(base, delay_ms=0)
    workers.append(WorkerProcess(name="recovery-b", env=env, queue=DEFAULT_QUEUE, app=app))
    back = datetime.now(UTC)

    done = wait_for(lambda: completed_since(killed_at, gone_sid), RECOVERY_BOUND + 30, "a complete sync")
    seconds = record_recovery("worker SIGKILL", done, back=back, fault=killed_at)
    assert seconds < RECOVERY_BOUND
    # the killed run: failed (its lock expired), nothing swept; the rest of its batch ran after the kill
    killed.refresh_from_db()
    assert killed.status == SyncRun.Status.FAILED and killed.error == services.WORKER_STOPPED
    assert not killed.swept
    after = [r for r in SyncRun.objects.filter(batch=killed.batch) if r.started_at > killed.started_at]
    assert {r.status for r in after} == {SyncRun.Status.SUCCEEDED} and after
    assert latest_runs()["sims"].source == SyncRun.Source.BEAT  # the interrupted resource, queued by beat


@worker_test
def test_a_sync_recovers_within_a_minute_after_a_redis_restart(recovery, private_redis):
    base, app, env, workers, gone_sid = recovery
    faults(base, delay_ms=1000)  # a page takes 1 s: the run is waiting for one when Redis dies
    running = services.runs_create(resources=BATCH)
    app.send_task("sync.sync_all", kwargs={"run_ids": [r.pk for r in running]}, queue=DEFAULT_QUEUE)
    interrupted = next(r for r in running if r.resource == "sims")
    wait_for(lambda: SyncRun.objects.filter(pk=interrupted.pk, pages__gte=1).exists(), 60, "a first page")
    # "Sync now" on fleets and SIMs: its message waits behind the running sync, in Redis
    waiting = services.runs_create(resources=["fleets", "sims"])
    sent = app.send_task("sync.sync_all", kwargs={"run_ids": [r.pk for r in waiting]}, queue=DEFAULT_QUEUE)
    restarted_at = datetime.now(UTC)
    private_redis.kill()
    private_redis.start()  # empty: the waiting message, the results and the locks are gone
    faults(base, delay_ms=0)
    wait_for(workers[0].ping, 60, "the worker to answer again")
    back = datetime.now(UTC)

    done = wait_for(lambda: completed_since(restarted_at, gone_sid), RECOVERY_BOUND + 30, "a complete sync")
    seconds = record_recovery("Redis restart", done, back=back, fault=restarted_at)
    assert seconds < RECOVERY_BOUND
    interrupted.refresh_from_db()
    assert interrupted.status == SyncRun.Status.FAILED and not interrupted.swept
    assert interrupted.error.startswith("the lock of sims") and "nothing was swept" in interrupted.error
    # the waiting sync ran although its message was lost: beat sent its runs again (another task id)
    for run in waiting:
        run.refresh_from_db()
        assert run.status == SyncRun.Status.SUCCEEDED and run.task_id and run.task_id != sent.id, run
    assert workers[0].proc.poll() is None
