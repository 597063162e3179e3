"""Generic background jobs over many items, with live progress, resumable, never doubled.

Usage (from an app's ``jobs.py``, autodiscovered at start-up)::

    @register_job_handler("sims.bulk_status")
    def set_status(*, job, item) -> dict:
        ...  # process ONE item idempotently; return a result dict; raise JobItemFailed to fail it

    job = job_create(kind="sims.bulk_status", title="Activate 1,200 SIMs", user=request.user,
                     items=[(sim.sid, {"status": "active"}) for sim in sims], request=request)

Items are split into chunks of ``JOB_CHUNK_SIZE`` (a few hundred) per Celery task. Each item is claimed
with a conditional UPDATE and a lease (``JOB_ITEM_LEASE_SECONDS``): a chunk delivered twice (a killed
worker with ``acks_late``) skips items another execution holds, and re-runs an item only after its lease
expired; handlers are idempotent, so a re-run never changes anything twice. ``jobs_resume_stalled`` (beat)
re-queues the unfinished items of jobs without a heartbeat, so a job survives a worker restart.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import Job, JobItem

logger = logging.getLogger(__name__)

Handler = Callable[..., dict]
_HANDLERS: dict[str, Handler] = {}


class JobItemFailed(Exception):
    """Raised by a handler: this item failed with a message the operator can act on; ``result`` (optional)
    is kept as the failed item's result (e.g. the CSV line it came from, for the results CSV)."""

    def __init__(self, message: str = "", *, result: dict | None = None):
        super().__init__(message)
        self.result = result or {}


def register_job_handler(kind: str) -> Callable[[Handler], Handler]:
    def decorator(fn: Handler) -> Handler:
        _HANDLERS[kind] = fn
        return fn

    return decorator


def job_kinds() -> list[str]:
    """The kinds of job this installation runs (every registered handler), sorted."""
    return sorted(_HANDLERS)


def chunk_size() -> int:
    return settings.JOB_CHUNK_SIZE


def lease_seconds() -> int:
    return settings.JOB_ITEM_LEASE_SECONDS


def job_create(
    *,
    kind: str,
    title: str,
    user,
    items: Iterable[tuple[str, dict]],
    params: dict | None = None,
    request=None,
) -> Job:
    """Create a job and its items in one transaction; its chunks are queued once it commits."""
    from apps.audit.services import audit_record

    if kind not in _HANDLERS:
        raise ValueError(f"no job handler registered for {kind!r}")
    with transaction.atomic():
        job = Job.objects.create(kind=kind, title=title[:200], params=params or {}, created_by=user)
        rows = [
            JobItem(job=job, seq=seq, key=str(key)[:200], payload=payload)
            for seq, (key, payload) in enumerate(items)
        ]
        JobItem.objects.bulk_create(rows, batch_size=1000)
        Job.objects.filter(pk=job.pk).update(total=len(rows))
        job.total = len(rows)
        audit_record(
            action="job.create",
            user=user,
            obj=job,
            object_type="job",
            after={"kind": kind, "title": title, "items": len(rows), "params": params or {}},
            request=request,
        )
        transaction.on_commit(lambda: _dispatch(job.pk))
    if not rows:
        _finalize(job.pk)
        job.refresh_from_db()
    return job


def _chunk_ranges(job_id: int, statuses: tuple[str, ...]) -> list[tuple[int, int]]:
    seqs = list(
        JobItem.objects.filter(job_id=job_id, status__in=statuses)
        .order_by("seq")
        .values_list("seq", flat=True)
    )
    size = chunk_size()
    return [(seqs[i], seqs[min(i + size, len(seqs)) - 1]) for i in range(0, len(seqs), size)]


def _dispatch(job_id: int, statuses: tuple[str, ...] = (JobItem.Status.PENDING,)) -> int:
    """Queue one task per chunk of unfinished items; returns the number of chunks."""
    from .tasks import job_run_chunk

    ranges = _chunk_ranges(job_id, statuses)
    if settings.JOBS_RUN_IN_THREAD and settings.CELERY_TASK_ALWAYS_EAGER:
        # No broker (make run on SQLite): run in a background thread so the page answers at once.
        def run_all():
            try:
                for first, last in ranges:
                    run_chunk(job_id=job_id, first_seq=first, last_seq=last)
            finally:
                close_old_connections()

        threading.Thread(target=run_all, name=f"job-{job_id}", daemon=True).start()
    else:
        for first, last in ranges:
            job_run_chunk.delay(job_id, first, last)
    if not ranges:
        _finalize(job_id)
    return len(ranges)


def _claim(item: JobItem) -> bool:
    now = timezone.now()
    claimable = Q(status=JobItem.Status.PENDING) | Q(status=JobItem.Status.RUNNING, lease_until__lt=now)
    return bool(
        JobItem.objects.filter(claimable, pk=item.pk).update(
            status=JobItem.Status.RUNNING,
            attempts=F("attempts") + 1,
            lease_until=now + timedelta(seconds=lease_seconds()),
        )
    )


def _finish_item(item: JobItem, *, ok: bool, result: dict | None = None, error: str = "") -> None:
    with transaction.atomic():
        updated = JobItem.objects.filter(pk=item.pk, status=JobItem.Status.RUNNING).update(
            status=JobItem.Status.SUCCEEDED if ok else JobItem.Status.FAILED,
            result=result or {},
            error=error[:2000],
            lease_until=None,
        )
        if updated:
            Job.objects.filter(pk=item.job_id).update(
                processed=F("processed") + 1,
                succeeded=F("succeeded") + (1 if ok else 0),
                failed=F("failed") + (0 if ok else 1),
                heartbeat_at=timezone.now(),
            )


def run_chunk(*, job_id: int, first_seq: int, last_seq: int) -> dict[str, int]:
    """Process the unfinished items ``first_seq..last_seq`` of a job (called by the chunk task)."""
    job = Job.objects.filter(pk=job_id).first()
    if job is None or job.status == Job.Status.CANCELLED:
        return {"processed": 0}
    handler = _HANDLERS.get(job.kind)
    if handler is None:
        Job.objects.filter(pk=job_id).update(status=Job.Status.FAILED, error=f"no handler for {job.kind}")
        return {"processed": 0}
    now = timezone.now()
    Job.objects.filter(pk=job_id, status=Job.Status.PENDING).update(status=Job.Status.RUNNING, started_at=now)
    Job.objects.filter(pk=job_id).update(heartbeat_at=now)
    items = JobItem.objects.filter(
        job_id=job_id,
        seq__gte=first_seq,
        seq__lte=last_seq,
        status__in=(JobItem.Status.PENDING, JobItem.Status.RUNNING),
    ).order_by("seq")
    done = 0
    for item in items:
        if not _claim(item):
            continue  # finished meanwhile, or held by another execution of this chunk
        try:
            result = handler(job=job, item=item) or {}
        except JobItemFailed as exc:
            _finish_item(item, ok=False, error=str(exc), result=exc.result)
        except Exception as exc:  # noqa: BLE001 - one bad item must not stop the job
            from apps.supersim.errors import SuperSimError

            if isinstance(exc, SuperSimError) and getattr(exc, "retryable", False):
                # rate limited / outage after the client's own retries: leave it for a later pass
                JobItem.objects.filter(pk=item.pk).update(status=JobItem.Status.PENDING, lease_until=None)
                raise
            if not isinstance(exc, SuperSimError):
                logger.exception("job %s item %s failed", job_id, item.key)
            _finish_item(item, ok=False, error=str(exc))
        else:
            _finish_item(item, ok=True, result=result)
        done += 1
    _finalize(job_id)
    return {"processed": done}


def _finalize(job_id: int) -> None:
    open_items = JobItem.objects.filter(
        job_id=job_id, status__in=(JobItem.Status.PENDING, JobItem.Status.RUNNING)
    ).exists()
    if open_items:
        return
    job = Job.objects.get(pk=job_id)
    if job.is_final:
        return
    failed = JobItem.objects.filter(job_id=job_id, status=JobItem.Status.FAILED).count()
    if job.total and failed == job.total:
        status = Job.Status.FAILED
    elif failed:
        status = Job.Status.PARTIAL
    else:
        status = Job.Status.SUCCEEDED
    Job.objects.filter(pk=job_id).exclude(status__in=Job.FINAL).update(
        status=status, finished_at=timezone.now()
    )


def job_retry_failed(*, job: Job, user, request=None) -> int:
    """Put the failed items back in the queue; returns how many."""
    from apps.audit.services import audit_record

    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        count = JobItem.objects.filter(job=job, status=JobItem.Status.FAILED).update(
            status=JobItem.Status.PENDING, error="", lease_until=None
        )
        if count:
            Job.objects.filter(pk=job.pk).update(
                status=Job.Status.RUNNING,
                finished_at=None,
                processed=F("processed") - count,
                failed=F("failed") - count,
            )
        audit_record(
            action="job.retry_failed",
            user=user,
            obj=job,
            object_type="job",
            after={"items": count},
            request=request,
        )
        transaction.on_commit(lambda: _dispatch(job.pk))
    return count


def job_resume(*, job: Job) -> int:
    """Re-queue a job's unfinished items (pending, or running with an expired lease); returns chunks."""
    return _dispatch(job.pk, (JobItem.Status.PENDING, JobItem.Status.RUNNING))


def jobs_resume_stalled(*, stalled_after: int | None = None) -> list[int]:
    """Resume unfinished jobs that have shown no progress for a while (e.g. after a worker restart)."""
    stalled_after = stalled_after if stalled_after is not None else lease_seconds()
    cutoff = timezone.now() - timedelta(seconds=stalled_after)
    stalled = Job.objects.filter(status__in=(Job.Status.PENDING, Job.Status.RUNNING)).filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created_at__lt=cutoff)
    )
    resumed = []
    for job in stalled:
        Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now())
        job_resume(job=job)
        resumed.append(job.pk)
    return resumed
