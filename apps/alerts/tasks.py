"""Celery tasks of alerting: the evaluation (beat, and after a usage sync / connection events) and the
delivery of each notification, retried with backoff."""

from __future__ import annotations

import time

from celery import shared_task
from django.conf import settings


@shared_task(name="alerts.evaluate")
def evaluate_task(kinds: list[str] | None = None) -> dict:
    from .services import alerts_evaluate

    results = alerts_evaluate(kinds=kinds)
    return {
        "rules": len(results),
        "opened": sum(len(r.opened) for r in results),
        "resolved": sum(len(r.resolved) for r in results),
        "errors": [r.error for r in results if r.error],
    }


def retry_countdown(retries: int) -> float:
    return min(settings.ALERT_RETRY_BASE_SECONDS * (2**retries), settings.ALERT_RETRY_MAX_SECONDS)


@shared_task(name="alerts.deliver", bind=True, acks_late=True, max_retries=None)
def deliver_task(self, delivery_id: int) -> str:
    """Send one delivery; a failed attempt is logged and retried after ``ALERT_RETRY_BASE_SECONDS`` * 2^n
    (at most ``ALERT_DELIVERY_MAX_RETRIES`` times); the last failure marks it failed (and audits it)."""
    from .channels import SendFailed, send
    from .models import Delivery
    from .services import delivery_record_attempt

    delivery = Delivery.objects.select_related("channel", "rule").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != Delivery.Status.PENDING:
        return "skipped"
    started = time.monotonic()
    try:
        status = send(delivery)
    except SendFailed as exc:
        final = self.request.retries >= settings.ALERT_DELIVERY_MAX_RETRIES
        ms = int((time.monotonic() - started) * 1000)
        delivery_record_attempt(
            delivery=delivery, ok=False, http_status=exc.http_status, error=str(exc), ms=ms, final=final
        )
        if final:
            return "failed"
        raise self.retry(countdown=retry_countdown(self.request.retries)) from None
    delivery_record_attempt(
        delivery=delivery,
        ok=True,
        http_status=status,
        ms=int((time.monotonic() - started) * 1000),
        final=True,
    )
    return "sent"
