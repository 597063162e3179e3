"""The sync engine: page through the API with the client, upsert each page, sweep after a complete pass.

Public services (keyword-only):

* :func:`runs_create` / :func:`sync_start` - create run rows (before anything is queued) and queue the tasks.
* :func:`sync_resource` - run one :class:`~apps.sync.models.SyncRun` (lock, pages, upsert, sweep).
* :func:`sync_all` - every resource in dependency order.
* :func:`sync_sim_details` - billing periods + IP addresses of one SIM (SIM detail page; not in sync_all).
* :func:`mark_stale_runs` - runs left ``running`` by a killed worker (lock expired) become ``failed``.
* :func:`sync_reconcile` - what beat runs every few seconds: stale runs reaped, queued runs whose message
  may be lost sent again, overdue resources queued (a sync recovers in seconds after a worker or Redis
  restart, without trusting that a queued message survived).

Rules (DESIGN.md, "Sync"): the keys of every row a run sees are kept in memory for the run (a set: 100k SIDs
are a few MB; new and changed rows are also stamped with the run id, unchanged ones are not written at all);
the sweep (``removed_at``: live rows whose key is not in the set) runs only after every page succeeded AND
the lock was held throughout; any error leaves the run failed (or partial) with no sweep, so no local row is
lost. While a run pages, commits do not wait for the disk (``relaxed_durability``: at worst the last pages are
written again by the next run).
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.core.upsert import relaxed_durability
from apps.supersim.client import SuperSimClient, get_client
from apps.supersim.errors import SuperSimError

from .lock import Heartbeat, lock_held_by, lock_state, make_lock
from .models import SyncRun
from .registry import RESOURCES, SIM_DETAILS, Resource, ordered
from .signals import sync_run_finished

logger = logging.getLogger(__name__)
_ORDER = {r.name: i for i, r in enumerate(ordered())}  # dependency order of the resources

Progress = Callable[[SyncRun, int], None]  # (run, items in the page just written)


class LockLost(Exception):
    """The lock expired while the run was working: someone else may sync the same resource now."""


#: pages downloaded ahead (in a background thread) while the current one is written
PREFETCH_PAGES = 2
#: a page group (one transaction) is committed after this many pages or seconds, whichever comes first
COMMIT_PAGES = 10
COMMIT_SECONDS = 0.5
#: a queued run is sent again when no run is running and nothing started or ended for this long
QUEUED_RESEND_SECONDS = 20.0
#: consecutive interrupted runs of a resource retried at once; after that it waits for its interval (a sync
#: that kills its worker, e.g. out of memory, is not retried in a loop)
INTERRUPTED_RETRIES = 3
#: the error of a run whose worker stopped (reaped by :func:`mark_stale_runs`)
WORKER_STOPPED = "the worker stopped while running (its lock expired); nothing was swept"
#: the error of a run that could not reach the lock service (Redis)
NO_LOCK_SERVICE = "cannot take the sync lock"
#: how the errors of interrupted runs begin: the worker stopped, the lock was lost or could not be taken
#: (e.g. Redis restarted)
INTERRUPTED = (WORKER_STOPPED, "the lock of ", NO_LOCK_SERVICE)


def heartbeat_stale_seconds() -> float:
    """A ``running`` run whose heartbeat is older than this is dead even when its lock cannot be checked
    (Redis unreachable): its heartbeat thread records one every quarter of the lock timeout."""
    return 3 * float(settings.SYNC_LOCK_TIMEOUT)


def lock_name(run: SyncRun) -> str:
    return f"{run.resource}:{run.scope}" if run.scope else run.resource


# --- creating and queueing runs ---------------------------------------------------------------------------
def runs_create(
    *,
    resources: list[str] | None = None,
    source: str = SyncRun.Source.UI,
    user=None,
) -> list[SyncRun]:
    """One queued run per resource (all when ``resources`` is empty), in dependency order, one batch id."""
    batch = uuid.uuid4().hex
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    return [
        SyncRun.objects.create(resource=r.name, source=source, triggered_by=user, batch=batch)
        for r in ordered(resources or None)
    ]


def sync_start(
    *,
    resources: list[str] | None = None,
    source: str = SyncRun.Source.UI,
    user=None,
) -> list[SyncRun]:
    """Create the runs, then queue their task(s) when the transaction commits.

    One resource -> ``sync_resource_task(run_id)``; several/all -> one ``sync_all_task(run_ids)`` that runs
    them in order.
    """
    from .tasks import sync_all_task, sync_resource_task

    runs = runs_create(resources=resources, source=source, user=user)
    if len(runs) == 1:
        sync_resource_task.delay_on_commit(runs[0].pk)
    else:
        sync_all_task.delay_on_commit(run_ids=[r.pk for r in runs])
    return runs


# --- stale runs -------------------------------------------------------------------------------------------
def mark_stale_runs(*, now: datetime | None = None) -> int:
    """Fail runs whose worker died: ``running`` with its lock gone (expired: its holder stopped beating)
    or, when the lock cannot be checked, its heartbeat older than :func:`heartbeat_stale_seconds`; and
    ``queued`` for ``SYNC_QUEUED_STALE_SECONDS`` (:func:`sync_reconcile` sends a queued run again long
    before). Returns how many were failed."""
    now = now or timezone.now()
    count = 0
    beat_cutoff = now - timedelta(seconds=heartbeat_stale_seconds())
    for run in SyncRun.objects.filter(status=SyncRun.Status.RUNNING).only(
        "pk", "resource", "scope", "lock_token", "heartbeat_at", "started_at", "created_at"
    ):
        held = lock_state(lock_name(run), run.lock_token)
        last_beat = run.heartbeat_at or run.started_at or run.created_at
        if held or (held is None and last_beat >= beat_cutoff):
            continue  # alive, or unknown (Redis unreachable) with a recent heartbeat: not failed on a guess
        count += SyncRun.objects.filter(
            pk=run.pk, status=SyncRun.Status.RUNNING, lock_token=run.lock_token
        ).update(status=SyncRun.Status.FAILED, finished_at=now, error=WORKER_STOPPED, errors=1)
    queued_limit = float(settings.SYNC_QUEUED_STALE_SECONDS)
    count += SyncRun.objects.filter(
        status=SyncRun.Status.QUEUED, created_at__lt=now - timedelta(seconds=queued_limit)
    ).update(status=SyncRun.Status.FAILED, finished_at=now, error="never started (no worker picked it up)")
    return count


def _interrupted(run: SyncRun) -> bool:
    return run.status == SyncRun.Status.FAILED and run.error.startswith(INTERRUPTED)


def sync_reconcile(*, now: datetime | None = None) -> dict[str, Any]:
    """What beat runs every 10 s, so that a sync recovers in seconds after a worker or Redis restart
    without trusting that a queued message survived:

    1. :func:`mark_stale_runs` (a killed worker's run is failed once its lock expired);
    2. queued runs whose message may be lost are sent again (their batch as one ``sync_all_task``), when
       no run is running (a busy worker reaches its queue in turn) and either the batch's worker stopped
       since they were last sent or no run started or ended for ``QUEUED_RESEND_SECONDS`` since
       (``heartbeat_at`` of a queued run = when it was last sent; an idle worker takes a message in
       milliseconds). A message that was only waiting is harmless twice: the second delivery finds its
       runs done (:func:`sync_resource`);
    3. every resource with no active run that is due gets a run, all in one batch (``sync_start``,
       source beat): never synced, last run created more than ``SYNC_INTERVAL_SECONDS`` ago, or its last
       run was interrupted (fewer than ``INTERRUPTED_RETRIES`` times in a row).

    Returns ``{"failed": n, "resent": [run ids], "queued": [resources]}``.
    """
    now = now or timezone.now()
    failed = mark_stale_runs(now=now)
    resent = _resend_queued(now=now)
    due = _due_resources(now=now)
    if due:
        sync_start(resources=due, source=SyncRun.Source.BEAT)
    return {"failed": failed, "resent": resent, "queued": due}


def _resend_queued(*, now: datetime) -> list[int]:
    from .tasks import sync_all_task, sync_resource_task

    resent: list[int] = []
    if SyncRun.objects.filter(status=SyncRun.Status.RUNNING).exists():
        return resent  # a worker is working (mark_stale_runs failed the runs of dead ones)
    cutoff = now - timedelta(seconds=QUEUED_RESEND_SECONDS)
    queued = list(SyncRun.objects.filter(status=SyncRun.Status.QUEUED).order_by("pk"))
    if not queued:
        return resent
    recent = SyncRun.objects.order_by("-created_at").values_list("started_at", "finished_at")[:50]
    latest_activity = max((t for pair in recent for t in pair if t), default=None)  # a run started or ended
    batches: dict[str, list[SyncRun]] = {}
    for run in queued:
        batches.setdefault(run.batch or f"run-{run.pk}", []).append(run)
    for key, runs in batches.items():
        others = (
            list(SyncRun.objects.filter(batch=key).exclude(status=SyncRun.Status.QUEUED))
            if runs[0].batch
            else []
        )
        last_sent = max(r.heartbeat_at or r.created_at for r in runs)
        died = any(o.error == WORKER_STOPPED and o.finished_at and o.finished_at >= last_sent for o in others)
        if not died and max(last_sent, latest_activity or last_sent) >= cutoff:
            continue
        ids = [r.pk for r in sorted(runs, key=lambda r: _ORDER.get(r.resource, len(_ORDER)))]
        SyncRun.objects.filter(pk__in=ids, status=SyncRun.Status.QUEUED).update(heartbeat_at=now)
        if len(ids) == 1:
            sync_resource_task.delay(ids[0])
        else:
            sync_all_task.delay(run_ids=ids)
        logger.warning("sync runs %s: queued with no sign of life, sent again", ids)
        resent += ids
    return resent


def _due_resources(*, now: datetime) -> list[str]:
    active = set(
        SyncRun.objects.filter(status__in=SyncRun.ACTIVE, scope="").values_list("resource", flat=True)
    )
    cutoff = now - timedelta(seconds=float(settings.SYNC_INTERVAL_SECONDS))
    due = []
    for resource in ordered():
        if resource.name in active:
            continue
        latest = list(
            SyncRun.objects.filter(resource=resource.name, scope="").order_by("-created_at", "-pk")[
                :INTERRUPTED_RETRIES
            ]
        )
        streak = next((i for i, r in enumerate(latest) if not _interrupted(r)), len(latest))
        if not latest or latest[0].created_at < cutoff or 0 < streak < INTERRUPTED_RETRIES:
            due.append(resource.name)
    return due


# --- running one resource ---------------------------------------------------------------------------------
@dataclass
class _Ctx:
    run: SyncRun
    lock: object
    client: SuperSimClient
    now: datetime
    progress: Progress | None = None
    heartbeat: Heartbeat | None = None  # keeps the lock alive; ``lost`` once it is not ours any more
    wait_seconds: float = 0.0  # blocked waiting for the next page (fetching not hidden behind writing)
    write_seconds: float = 0.0  # upserting pages

    def page_done(self, items: int, result) -> None:
        """Count a written page (in memory: :meth:`save_progress` writes the counters once its group is
        committed); raise :class:`LockLost` when the heartbeat lost the lock."""
        run = self.run
        run.pages += 1
        run.items += items
        run.created += result.created
        run.updated += result.updated
        run.unchanged += result.unchanged
        self.check_lock()
        if self.progress is not None:
            self.progress(run, items)

    def check_lock(self) -> None:
        if self.heartbeat is not None and self.heartbeat.lost:
            raise LockLost(f"the lock of {lock_name(self.run)} expired during the run")

    def save_progress(self) -> None:
        """The run's counters and heartbeat, written after a group commits. Not inside the group: the run's
        row stays unlocked, so the heartbeat thread's write never waits for a group (nor a slow page)."""
        run = self.run
        run.heartbeat_at = timezone.now()
        SyncRun.objects.filter(pk=run.pk).update(
            heartbeat_at=run.heartbeat_at, **{name: getattr(run, name) for name in _COUNTERS}
        )

    def page_through(
        self,
        path: str,
        params: dict,
        write: Callable[[list], object],
        *,
        transform: Callable[[list], object] | None = None,
    ) -> None:
        """Fetch (prefetching) and write every page; pages are committed in groups (:meth:`_write_group`).
        ``transform``: each page's items become ``transform(items)`` in a background thread before ``write``
        gets them (:class:`apps.core.upsert.PagedUpsert`)."""
        pages = self.client.iter_pages(path, params, prefetch=PREFETCH_PAGES, transform=transform)
        page = self._fetch(pages)
        while page is not None:
            page = self._write_group(page, pages, write)

    def _fetch(self, pages: Iterator) -> Any:
        """The next page (None after the last), the time spent waiting for it counted."""
        started = time.perf_counter()
        try:
            return next(pages, None)
        finally:
            self.wait_seconds += time.perf_counter() - started

    def _write_group(self, page, pages: Iterator, write: Callable[[list], object]) -> Any:
        """Write ``page`` and the pages after it in ONE transaction, committed after ``COMMIT_PAGES`` pages
        or ``COMMIT_SECONDS`` seconds, whichever comes first, or after the last page; return the page that
        follows the group (fetched outside the transaction; None after the last).

        A group is short (a few hundred ms), so other writers (the UI, SQLite's one write lock) wait little,
        and each hot index page is written once per group rather than once per page. An error while writing
        rolls the group back: local rows stay as they were and the run's counters go back to the group's
        start. An error while fetching commits the pages already written, then is raised. The run's
        counters are written once the group is committed (:meth:`save_progress`).
        """
        max_pages = max(1, COMMIT_PAGES)
        max_seconds = COMMIT_SECONDS
        saved = {name: getattr(self.run, name) for name in _COUNTERS}
        opened = time.monotonic()
        full = False
        fetch_error: BaseException | None = None
        try:
            with transaction.atomic():
                written = 0
                while page is not None:
                    started = time.perf_counter()
                    result = write(page.items)
                    self.page_done(result.total, result)
                    self.write_seconds += time.perf_counter() - started
                    written += 1
                    if written >= max_pages or time.monotonic() - opened >= max_seconds:
                        full = True
                        break
                    try:
                        page = self._fetch(pages)
                    except BaseException as exc:  # the pages written so far are complete and good: keep them
                        fetch_error = exc
                        break
        except BaseException:
            for name, value in saved.items():
                setattr(self.run, name, value)
            raise
        self.save_progress()
        if fetch_error is not None:
            raise fetch_error
        return self._fetch(pages) if full else None


_COUNTERS = ("pages", "items", "created", "updated", "unchanged")


def _reset(run: SyncRun, *, lock, now: datetime) -> None:
    run.status = SyncRun.Status.RUNNING
    run.started_at = now
    run.heartbeat_at = now
    run.finished_at = None
    run.attempts += 1
    run.lock_token = lock.token
    run.pages = run.items = run.created = run.updated = run.unchanged = run.removed = run.errors = 0
    run.error = ""
    run.retryable = False
    run.complete = False
    run.swept = False
    run.save()


def _finish(run: SyncRun, status: str, *, error: str = "") -> None:
    run.status = status
    run.finished_at = timezone.now()
    if error:
        run.error = error[:5000]
    run.save()


def _done_or_taken(run: SyncRun) -> bool:
    """The run needs nothing more from this call: finished (and not a failure worth retrying), or taken by
    another delivery of its task that is running it now."""
    run.refresh_from_db()
    if run.is_final:
        return not (run.status == SyncRun.Status.FAILED and run.retryable)
    return run.status == SyncRun.Status.RUNNING and lock_held_by(lock_name(run), run.lock_token)


def _beat(run: SyncRun, token: str) -> Callable[[], None]:
    def beat() -> None:
        SyncRun.objects.filter(pk=run.pk, status=SyncRun.Status.RUNNING, lock_token=token).update(
            heartbeat_at=timezone.now()
        )

    return beat


def sync_resource(
    *, run: SyncRun, client: SuperSimClient | None = None, progress: Progress | None = None
) -> SyncRun:
    """Run ``run`` (idempotent: a finished run is left alone, a failed-but-retryable one runs again, and a
    second delivery of its task - :func:`sync_reconcile` sends a queued run again when its message may be
    lost - neither runs it twice nor marks it skipped). While it runs, a :class:`~apps.sync.lock.Heartbeat`
    keeps its lock alive and records ``heartbeat_at``."""
    mark_stale_runs()
    if _done_or_taken(run):
        return run
    if run.resource == SIM_DETAILS:
        return sync_sim_details(sim_sid=run.scope, run=run, client=client)
    resource = RESOURCES[run.resource]
    lock = make_lock(lock_name(run))
    try:
        acquired = lock.acquire()
    except Exception as exc:  # noqa: BLE001 - the lock service (Redis) is unreachable
        run.errors += 1
        run.retryable = True
        _finish(run, SyncRun.Status.FAILED, error=f"{NO_LOCK_SERVICE} ({type(exc).__name__}: {exc})")
        return run
    if not acquired and _done_or_taken(run):
        return run  # the other delivery holds the lock for this very run (or has just finished it)
    if acquired and _done_or_taken(run):  # finished by another delivery while this one waited
        lock.release()
        return run
    if not acquired:
        holder = (
            SyncRun.objects.filter(resource=run.resource, status=SyncRun.Status.RUNNING)
            .exclude(pk=run.pk)
            .order_by("-started_at")
            .first()
        )
        by = f" (run #{holder.pk})" if holder else ""
        _finish(
            run, SyncRun.Status.SKIPPED, error=f"skipped: a sync of {resource.label} is already running{by}"
        )
        return run
    now = timezone.now()
    ctx = _Ctx(run=run, lock=lock, client=client or get_client(), now=now, progress=progress)
    ctx.heartbeat = Heartbeat(lock, beat=_beat(run, lock.token))
    try:
        _reset(run, lock=lock, now=now)
        ctx.heartbeat.start()
        runner = {"list": _run_list, "per_nap": _run_per_nap, "usage": _run_usage}[resource.kind]
        with relaxed_durability():
            status, error = runner(ctx, resource)
        _finish(run, status, error=error)
        sync_run_finished.send(sender=SyncRun, run=run)
        if resource.kind == "usage" and status != SyncRun.Status.FAILED:
            from apps.usage.tasks import usage_warm_cache_task

            # new data version: precompute the heavy aggregates (top SIMs) so no page view waits for them
            usage_warm_cache_task.delay_on_commit()
        run.timings = {"write": ctx.write_seconds, "wait": ctx.wait_seconds}  # not saved: logs and bench
        logger.info(
            "sync run %s (%s): %s, %d pages, %d items; writing %.2fs, waiting for pages %.2fs",
            run.pk,
            run.resource,
            status,
            run.pages,
            run.items,
            ctx.write_seconds,
            ctx.wait_seconds,
        )
    except LockLost as exc:
        run.errors += 1
        _finish(run, SyncRun.Status.FAILED, error=f"{exc}; nothing was swept")
    except SuperSimError as exc:
        run.errors += 1
        run.retryable = exc.retryable
        _finish(run, SyncRun.Status.FAILED, error=f"{exc}; nothing was swept")
    except Exception as exc:
        logger.exception("sync run %s (%s) crashed", run.pk, run.resource)
        run.errors += 1
        _finish(run, SyncRun.Status.FAILED, error=f"{type(exc).__name__}: {exc}; nothing was swept")
    finally:
        ctx.heartbeat.stop()
        lock.release()  # after the final status is saved (see mark_stale_runs)
    return run


def _sweep(ctx: _Ctx, func, **scope) -> int:
    """The sweep, once every page succeeded: only if the lock, kept alive by the heartbeat, is still ours."""
    ctx.check_lock()
    if not ctx.lock.extend():  # held throughout, and still ours right now
        raise LockLost(f"the lock of {lock_name(ctx.run)} expired before the sweep")
    return func(run_id=ctx.run.pk, now=ctx.now, **scope)


def _run_list(ctx: _Ctx, resource: Resource) -> tuple[str, str]:
    upsert = resource.upsert_func()
    sweep = resource.sweep_func()
    run = ctx.run
    # keys seen by this run (only kept when there is a sweep to use them)
    seen: dict = {"seen": set()} if sweep is not None else {}
    paged_sweep: dict = {}  # what a paged resource's sweep also takes
    paged = resource.paged_func()
    if paged is not None:
        pager = paged(run_id=run.pk, now=ctx.now, seen=seen.get("seen", set()))
        ctx.page_through(resource.path, dict(resource.params), pager.write, transform=pager.prepare)
        if sweep is not None:
            paged_sweep = {
                "candidates": pager.unseen(),  # the sweep looks only at these (no table scan)
                "changed": bool(run.created or run.updated),  # (cached counts stay if nothing was written)
            }
    else:
        ctx.page_through(
            resource.path,
            dict(resource.params),
            lambda items: upsert(items=items, run_id=run.pk, now=ctx.now, **seen),
        )
    run.complete = True
    if sweep is not None:
        run.removed = _sweep(ctx, sweep, **seen, **paged_sweep)
        run.swept = True
    return SyncRun.Status.SUCCEEDED, ""


def _scoped(ctx: _Ctx, scopes: list[tuple[str, Callable[[], None]]]) -> tuple[list[str], list[str]]:
    """Run each scope; a failing scope is recorded and the others go on. Returns (done, failures)."""
    done, failures = [], []
    for name, work in scopes:
        try:
            work()
        except SuperSimError as exc:
            ctx.run.errors += 1
            ctx.run.retryable = ctx.run.retryable or exc.retryable
            failures.append(f"{name}: {exc}")
        else:
            done.append(name)
    return done, failures


def _outcome(ctx: _Ctx, done: list, failures: list[str]) -> tuple[str, str]:
    if not failures:
        return SyncRun.Status.SUCCEEDED, ""
    status = SyncRun.Status.PARTIAL if done else SyncRun.Status.FAILED
    return status, "; ".join(failures) + "; nothing was swept"


def _run_per_nap(ctx: _Ctx, resource: Resource) -> tuple[str, str]:
    """The Networks of every Network Access Profile (listed from the API)."""
    upsert = resource.upsert_func()
    sweep = resource.sweep_func()
    run = ctx.run
    nap_sids = [nap["sid"] for nap in ctx.client.list("NetworkAccessProfiles")]
    seen: dict[str, dict] = {sid: ({"seen": set()} if sweep is not None else {}) for sid in nap_sids}

    def work_for(nap_sid: str):
        def work():
            ctx.page_through(
                resource.path.format(nap_sid=nap_sid),
                dict(resource.params),
                lambda items: upsert(
                    nap_sid=nap_sid, items=items, run_id=run.pk, now=ctx.now, **seen[nap_sid]
                ),
            )

        return work

    done, failures = _scoped(ctx, [(sid, work_for(sid)) for sid in nap_sids])
    if failures:
        return _outcome(ctx, done, failures)
    run.complete = True
    if sweep is not None:
        run.removed = sum(_sweep(ctx, sweep, nap_sid=sid, **seen[sid]) for sid in nap_sids)
        run.swept = True
    return SyncRun.Status.SUCCEEDED, ""


# --- usage ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class UsageQuery:
    group: str  # "account" (no Group parameter), "sim", "fleet", "network", "isoCountry"
    granularity: str  # "hour" or "day"
    start: datetime
    end: datetime

    @property
    def params(self) -> dict:
        query = {
            "Granularity": self.granularity,
            "StartTime": self.start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "EndTime": self.end.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        if self.group != "account":
            query["Group"] = self.group
        return query

    part: int = 0  # the n-th window of a query split by USAGE_WINDOW_DAYS

    @property
    def name(self) -> str:
        return f"{self.group}/{self.granularity}" + (f"#{self.part}" if self.part else "")


def _floor_hour(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _floor_day(value: datetime) -> datetime:
    return _floor_hour(value).replace(hour=0)


def usage_window(*, now: datetime) -> tuple[datetime, datetime]:
    """Daily window: from the end of the last successful usage sync (minus one day, which may have been
    incomplete), or ``SYNC_USAGE_INITIAL_DAYS`` back the first time; up to the end of today."""
    last = (
        SyncRun.objects.filter(resource="usage", status=SyncRun.Status.SUCCEEDED, window_end__isnull=False)
        .order_by("-finished_at")
        .values_list("window_end", flat=True)
        .first()
    )
    initial = _floor_day(now - timedelta(days=int(settings.SYNC_USAGE_INITIAL_DAYS)))
    start = max(initial, _floor_day(min(last, now) - timedelta(days=1))) if last else initial
    return start, _floor_day(now) + timedelta(days=1)


#: the longest window of one daily UsageRecords query: the API refuses Group=sim over more than 31 days
#: (Twilio error 83603) and Granularity=day over more than 3 months (83604)
USAGE_WINDOW_DAYS = 31


def usage_queries(*, now: datetime, daily_start: datetime) -> list[UsageQuery]:
    """Group=sim daily; account, fleet, network and isoCountry daily plus hourly for the last
    ``SYNC_USAGE_HOURLY_DAYS`` days. A daily window longer than ``USAGE_WINDOW_DAYS`` is split into
    consecutive windows of at most that many days. Re-running the same window rewrites the same rows
    (upsert key)."""
    daily_end = _floor_day(now) + timedelta(days=1)
    hourly_end = _floor_hour(now) + timedelta(hours=1)
    hourly_start = _floor_hour(now - timedelta(days=int(settings.SYNC_USAGE_HOURLY_DAYS)))
    windows, start = [], daily_start
    while start < daily_end:
        windows.append((start, min(start + timedelta(days=USAGE_WINDOW_DAYS), daily_end)))
        start = windows[-1][1]
    queries = [UsageQuery("sim", "day", a, b, part) for part, (a, b) in enumerate(windows)]
    for group in ("account", "fleet", "network", "isoCountry"):
        queries += [UsageQuery(group, "day", a, b, part) for part, (a, b) in enumerate(windows)]
        queries.append(UsageQuery(group, "hour", hourly_start, hourly_end))
    return queries


def _run_usage(ctx: _Ctx, resource: Resource) -> tuple[str, str]:
    upsert = resource.upsert_func()
    run = ctx.run
    start, end = usage_window(now=ctx.now)
    queries = usage_queries(now=ctx.now, daily_start=start)

    from apps.usage.services import usage_rollups_rebuild

    def work_for(q: UsageQuery):
        def work():
            ctx.page_through(
                resource.path,
                q.params,
                lambda items: upsert(
                    items=items, run_id=run.pk, now=ctx.now, group=q.group, granularity=q.granularity
                ),
            )
            # the rollups of exactly this window (a crash here fails the run: the next one rewrites it)
            usage_rollups_rebuild(group=q.group, granularity=q.granularity, start=q.start, end=q.end)

        return work

    done, failures = _scoped(ctx, [(q.name, work_for(q)) for q in queries])
    if not failures:
        run.complete = True
        run.window_start, run.window_end = start, end
    return _outcome(ctx, done, failures)


# --- everything, and SIM details ----------------------------------------------------------------------------
def sync_all(
    *,
    runs: list[SyncRun] | None = None,
    source: str = SyncRun.Source.TASK,
    user=None,
    client: SuperSimClient | None = None,
    progress: Progress | None = None,
) -> list[SyncRun]:
    """Every resource in dependency order (the given runs, or new ones). A failed resource does not stop
    the others (foreign keys are by SID, nothing breaks); each run records its own outcome."""
    if runs is None:
        runs = runs_create(source=source, user=user)
    runs = sorted(runs, key=lambda r: _ORDER.get(r.resource, len(_ORDER)))
    return [sync_resource(run=run, client=client, progress=progress) for run in runs]


def sync_sim_details(
    *,
    sim_sid: str,
    run: SyncRun | None = None,
    client: SuperSimClient | None = None,
    source: str = SyncRun.Source.UI,
    user=None,
) -> SyncRun:
    """Billing periods and IP addresses of one SIM (two small lists) for the SIM detail page."""
    from django.utils.module_loading import import_string

    if run is None:
        run = SyncRun.objects.create(resource=SIM_DETAILS, scope=sim_sid, source=source, triggered_by=user)
    lock = make_lock(lock_name(run))
    if not lock.acquire():
        _finish(
            run, SyncRun.Status.SKIPPED, error=f"skipped: the details of {sim_sid} are being synced already"
        )
        return run
    now = timezone.now()
    ctx = _Ctx(run=run, lock=lock, client=client or get_client(), now=now)
    ctx.heartbeat = Heartbeat(lock, beat=_beat(run, lock.token))
    billing = import_string("apps.sims.services.billing_periods_upsert")
    ips = import_string("apps.sims.services.sim_ip_addresses_upsert")
    try:
        _reset(run, lock=lock, now=now)
        ctx.heartbeat.start()
        ctx.page_through(
            f"Sims/{sim_sid}/BillingPeriods",
            {},
            lambda items: billing(sim_sid=sim_sid, items=items, run_id=run.pk, now=now),
        )
        ctx.page_through(
            f"Sims/{sim_sid}/IpAddresses",
            {},
            lambda items: ips(sim_sid=sim_sid, items=items, run_id=run.pk, now=now),
        )
        run.complete = True
        run.removed = _sweep(ctx, import_string("apps.sims.services.billing_periods_sweep"), sim_sid=sim_sid)
        run.swept = True
        _finish(run, SyncRun.Status.SUCCEEDED)
    except SuperSimError as exc:
        run.errors += 1
        run.retryable = exc.retryable
        _finish(run, SyncRun.Status.FAILED, error=str(exc))
    except Exception as exc:
        logger.exception("SIM details sync %s crashed", sim_sid)
        run.errors += 1
        _finish(run, SyncRun.Status.FAILED, error=f"{type(exc).__name__}: {exc}")
    finally:
        ctx.heartbeat.stop()
        lock.release()
    return run


def retry_countdown(retries: int) -> float:
    """Seconds before a task retry after a rate limit / outage: exponential with jitter, well below the
    broker's visibility timeout (a longer ETA would run the task twice)."""
    base = float(settings.SYNC_RETRY_BASE_SECONDS)
    ceiling = min(base * (2**retries), float(settings.SYNC_RETRY_MAX_SECONDS))
    return ceiling / 2 + random.uniform(0, ceiling / 2)
