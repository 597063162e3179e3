"""The sync engine: page through the API with the client, upsert each page, sweep after a complete pass.

Public services (keyword-only):

* :func:`runs_create` / :func:`sync_start` - create run rows (before anything is queued) and queue the tasks.
* :func:`sync_resource` - run one :class:`~apps.sync.models.SyncRun` (lock, pages, upsert, sweep).
* :func:`sync_all` - every resource in dependency order.
* :func:`sync_sim_details` - billing periods + IP addresses of one SIM (SIM detail page; not in sync_all).
* :func:`mark_stale_runs` - runs left ``running`` by a killed worker (lock expired) become ``failed``.

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

from .lock import lock_held_by, make_lock
from .models import SyncRun
from .registry import RESOURCES, SIM_DETAILS, Resource, ordered

logger = logging.getLogger(__name__)

Progress = Callable[[SyncRun, int], None]  # (run, items in the page just written)


class LockLost(Exception):
    """The lock expired while the run was working: someone else may sync the same resource now."""


def _prefetch() -> int:
    return int(getattr(settings, "SYNC_PREFETCH_PAGES", 2))


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
    """Fail runs whose worker died: ``running`` with its lock gone, or ``queued`` for too long."""
    now = now or timezone.now()
    count = 0
    for run in SyncRun.objects.filter(status=SyncRun.Status.RUNNING).only(
        "pk", "resource", "scope", "lock_token"
    ):
        if lock_held_by(lock_name(run), run.lock_token):
            continue
        count += SyncRun.objects.filter(
            pk=run.pk, status=SyncRun.Status.RUNNING, lock_token=run.lock_token
        ).update(
            status=SyncRun.Status.FAILED,
            finished_at=now,
            error="the worker stopped while running (its lock expired); nothing was swept",
            errors=1,
        )
    queued_limit = float(getattr(settings, "SYNC_QUEUED_STALE_SECONDS", 7200))
    count += SyncRun.objects.filter(
        status=SyncRun.Status.QUEUED, created_at__lt=now - timedelta(seconds=queued_limit)
    ).update(status=SyncRun.Status.FAILED, finished_at=now, error="never started (no worker picked it up)")
    return count


# --- running one resource ---------------------------------------------------------------------------------
@dataclass
class _Ctx:
    run: SyncRun
    lock: object
    client: SuperSimClient
    now: datetime
    progress: Progress | None = None
    wait_seconds: float = 0.0  # blocked waiting for the next page (fetching not hidden behind writing)
    write_seconds: float = 0.0  # upserting pages

    def page_done(self, items: int, result) -> None:
        run = self.run
        run.pages += 1
        run.items += items
        run.created += result.created
        run.updated += result.updated
        run.unchanged += result.unchanged
        run.heartbeat_at = timezone.now()
        SyncRun.objects.filter(pk=run.pk).update(
            pages=run.pages,
            items=run.items,
            created=run.created,
            updated=run.updated,
            unchanged=run.unchanged,
            heartbeat_at=run.heartbeat_at,
        )
        if not self.lock.extend():
            raise LockLost(f"the lock of {lock_name(run)} expired during the run")
        if self.progress is not None:
            self.progress(run, items)

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
        pages = self.client.iter_pages(path, params, prefetch=_prefetch(), transform=transform)
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
        """Write ``page`` and the pages after it in ONE transaction, committed after ``SYNC_COMMIT_PAGES``
        pages or ``SYNC_COMMIT_SECONDS`` seconds, whichever comes first, or after the last page; return the
        page that follows the group (fetched outside the transaction; None after the last).

        A group is short (a few hundred ms), so other writers (the UI, SQLite's one write lock) wait little,
        and each hot index page is written once per group rather than once per page. An error while writing
        rolls the group back: local rows stay as they were and the run's counters go back to the group's
        start. An error while fetching commits the pages already written, then is raised.
        """
        max_pages = max(1, int(getattr(settings, "SYNC_COMMIT_PAGES", 10)))
        max_seconds = float(getattr(settings, "SYNC_COMMIT_SECONDS", 0.5))
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


def sync_resource(
    *, run: SyncRun, client: SuperSimClient | None = None, progress: Progress | None = None
) -> SyncRun:
    """Run ``run`` (idempotent: a finished run is left alone, a failed-but-retryable one runs again)."""
    mark_stale_runs()
    run.refresh_from_db()
    if run.is_final and not (run.status == SyncRun.Status.FAILED and run.retryable):
        return run
    if run.status == SyncRun.Status.RUNNING and lock_held_by(lock_name(run), run.lock_token):
        return run  # a duplicate delivery of a task that is running elsewhere
    if run.resource == SIM_DETAILS:
        return sync_sim_details(sim_sid=run.scope, run=run, client=client)
    resource = RESOURCES[run.resource]
    lock = make_lock(lock_name(run))
    try:
        acquired = lock.acquire()
    except Exception as exc:  # noqa: BLE001 - the lock service (Redis) is unreachable
        run.errors += 1
        run.retryable = True
        _finish(run, SyncRun.Status.FAILED, error=f"cannot take the sync lock ({type(exc).__name__}: {exc})")
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
    try:
        _reset(run, lock=lock, now=now)
        runner = {"list": _run_list, "per_nap": _run_per_nap, "usage": _run_usage}[resource.kind]
        with relaxed_durability():
            status, error = runner(ctx, resource)
        _finish(run, status, error=error)
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
        lock.release()  # after the final status is saved (see mark_stale_runs)
    return run


def _sweep(ctx: _Ctx, func, **scope) -> int:
    """The sweep, once every page succeeded: only if the lock, extended at every page, is still ours."""
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
    initial = _floor_day(now - timedelta(days=int(getattr(settings, "SYNC_USAGE_INITIAL_DAYS", 90))))
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
    hourly_start = _floor_hour(now - timedelta(days=int(getattr(settings, "SYNC_USAGE_HOURLY_DAYS", 2))))
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

    def work_for(q: UsageQuery):
        def work():
            ctx.page_through(
                resource.path,
                q.params,
                lambda items: upsert(
                    items=items, run_id=run.pk, now=ctx.now, group=q.group, granularity=q.granularity
                ),
            )

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
    order = {r.name: i for i, r in enumerate(ordered())}
    runs = sorted(runs, key=lambda r: order.get(r.resource, len(order)))
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
    billing = import_string("apps.sims.services.billing_periods_upsert")
    ips = import_string("apps.sims.services.sim_ip_addresses_upsert")
    try:
        _reset(run, lock=lock, now=now)
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
        lock.release()
    return run


def retry_countdown(retries: int) -> float:
    """Seconds before a task retry after a rate limit / outage: exponential with jitter, well below the
    broker's visibility timeout (a longer ETA would run the task twice)."""
    base = float(getattr(settings, "SYNC_RETRY_BASE_SECONDS", 30))
    ceiling = min(base * (2**retries), float(getattr(settings, "SYNC_RETRY_MAX_SECONDS", 600)))
    return ceiling / 2 + random.uniform(0, ceiling / 2)
