"""Celery tasks of connection events, all on the ``events`` queue (``CELERY_TASK_ROUTES``): a running sync
never delays them."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="events.process_batch", acks_late=True)
def process_batch_task(batch_id: int) -> dict:
    from .services import process_batch

    batch = process_batch(batch_id)
    if batch is None:
        return {"batch": batch_id, "skipped": True}
    return {"batch": batch_id, "stored": batch.stored, "duplicates": batch.duplicates, "dead": batch.dead}


@shared_task(name="events.process_pending", acks_late=True)
def process_pending_task() -> int:
    """Process every queued batch, many per transaction (apps.events.services.process_all_pending)."""
    from .services import process_all_pending

    return process_all_pending()


@shared_task(name="events.process_queued")
def process_queued_task() -> int:
    """Queue every batch still queued for 5 minutes (a broker lost a message, a worker was killed holding
    it, or the web process died before queueing)."""
    from datetime import timedelta

    from django.utils import timezone

    from .models import EventBatch
    from .services import queue_batch

    older = timezone.now() - timedelta(minutes=5)
    queued = EventBatch.objects.filter(status=EventBatch.Status.QUEUED, received_at__lt=older)
    ids = list(queued.values_list("pk", flat=True)[:1000])
    for batch_id in ids:
        queue_batch(batch_id)
    return len(ids)


@shared_task(name="events.prune")
def prune_task() -> dict:
    from .services import prune

    return prune()
