"""Thin tasks: webhook processing and command status catch-up (idempotent, ids in)."""

from __future__ import annotations

from celery import shared_task

from apps.supersim.errors import SuperSimError


@shared_task(name="commands.webhook_process", bind=True, acks_late=True, max_retries=5)
def webhook_process_task(self, receipt_id: int) -> str:
    from . import services
    from .models import WebhookReceipt

    receipt = WebhookReceipt.objects.filter(pk=receipt_id).first()
    if receipt is None or receipt.processed_at is not None:
        return "done"
    try:
        return services.webhook_process(receipt=receipt).result
    except SuperSimError as exc:
        WebhookReceipt.objects.filter(pk=receipt_id).update(error=str(exc)[:2000])
        if exc.retryable and self.request.retries < self.max_retries and not self.request.is_eager:
            raise self.retry(countdown=min(300, 10 * 2**self.request.retries)) from exc
        return f"error: {exc}"


@shared_task(name="commands.command_refresh", acks_late=True)
def command_refresh_task(kind: str, sid: str) -> str:
    from . import services
    from .models import IpCommand, SmsCommand

    model = SmsCommand if kind == "sms" else IpCommand
    command = model.objects.filter(sid=sid).first()
    if command is None or command.status in services.FINAL_STATUSES:
        return "skipped"
    try:
        return services.command_refresh(command=command).status
    except SuperSimError as exc:
        return f"error: {exc}"
