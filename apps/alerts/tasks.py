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


def _attempt(delivery_id: int, *, retries: int) -> str:
    """One attempt of a pending delivery: ``"sent"``, ``"failed"`` (the last allowed attempt failed),
    ``"retry"`` or ``"skipped"`` (gone, or no longer pending)."""
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
        final = retries >= settings.ALERT_DELIVERY_MAX_RETRIES
        ms = int((time.monotonic() - started) * 1000)
        delivery_record_attempt(
            delivery=delivery, ok=False, http_status=exc.http_status, error=str(exc), ms=ms, final=final
        )
        return "failed" if final else "retry"
    ms = int((time.monotonic() - started) * 1000)
    delivery_record_attempt(delivery=delivery, ok=True, http_status=status, ms=ms, final=True)
    return "sent"


@shared_task(name="alerts.deliver", bind=True, acks_late=True, max_retries=None)
def deliver_task(self, delivery_id: int) -> str:
    """Send one delivery; a failed attempt is logged and retried after ``ALERT_RETRY_BASE_SECONDS`` * 2^n
    seconds (capped at ``ALERT_RETRY_MAX_SECONDS``), at most ``ALERT_DELIVERY_MAX_RETRIES`` times; the last
    failure marks it failed (and audits it). Run in-process (no broker), the retries follow at once."""
    retries = self.request.retries
    outcome = _attempt(delivery_id, retries=retries)
    if outcome != "retry":
        return outcome
    if self.request.is_eager:
        while outcome == "retry":
            retries += 1
            outcome = _attempt(delivery_id, retries=retries)
        return outcome
    raise self.retry(countdown=retry_countdown(retries))
