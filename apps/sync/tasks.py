"""Thin Celery tasks: ids in, a service call, retries only on rate limits and outages.

All are idempotent (a finished run is left alone; re-running a window rewrites the same rows), so they run
with ``acks_late`` + ``reject_on_worker_lost`` (set globally). Retry delays stay far below the broker's
visibility timeout (celery #5935).
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from . import services
from .models import SyncRun


def _max_retries() -> int:
    return int(settings.SYNC_TASK_MAX_RETRIES)


@shared_task(name="sync.sync_resource", bind=True, acks_late=True, max_retries=None)
def sync_resource_task(self, run_id: int) -> str:
    run = SyncRun.objects.filter(pk=run_id).first()
    if run is None:
        return "missing"
    if self.request.id and run.task_id != self.request.id:
        SyncRun.objects.filter(pk=run.pk).update(task_id=self.request.id)
    services.sync_resource(run=run)
    if run.status == SyncRun.Status.FAILED and run.retryable and self.request.retries < _max_retries():
        raise self.retry(countdown=services.retry_countdown(self.request.retries))
    return run.status


@shared_task(name="sync.sync_all", bind=True, acks_late=True)
def sync_all_task(self, run_ids: list[int] | None = None) -> dict[str, str]:
    """Beat calls it without arguments (new runs, source ``beat``); the UI passes the runs it created."""
    if run_ids:
        runs = list(SyncRun.objects.filter(pk__in=run_ids))
        if self.request.id:
            SyncRun.objects.filter(pk__in=run_ids, task_id="").update(task_id=self.request.id)
    else:
        runs = services.runs_create(source=SyncRun.Source.BEAT)
        if self.request.id:
            SyncRun.objects.filter(pk__in=[r.pk for r in runs]).update(task_id=self.request.id)
    return {run.resource: run.status for run in services.sync_all(runs=runs)}


@shared_task(name="sync.reconcile")
def sync_reconcile_task() -> dict:
    """Beat, every 10 s: stale runs failed, lost messages sent again, overdue resources queued."""
    return services.sync_reconcile()
