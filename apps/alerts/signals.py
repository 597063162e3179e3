"""Evaluation triggers: the apps whose data the conditions read send a signal when it changed (a finished
sync run, a processed batch of connection events); the matching rules are evaluated after commit, at most
once per ``ALERT_TRIGGER_DEBOUNCE_SECONDS`` per trigger (beat evaluates everything in any case)."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.dispatch import receiver

from apps.events.signals import connection_events_processed
from apps.sync.signals import sync_run_finished


def _queue(trigger: str) -> None:
    from .services import TRIGGER_KINDS
    from .tasks import evaluate_task

    debounce = settings.ALERT_TRIGGER_DEBOUNCE_SECONDS
    if debounce and not cache.add(f"alerts:trigger:{trigger}", 1, debounce):
        return
    kinds = [str(k) for k in TRIGGER_KINDS[trigger]]
    transaction.on_commit(lambda: evaluate_task.delay(kinds))


@receiver(sync_run_finished)
def _on_sync_run(sender, run, **kwargs) -> None:
    if run.scope:
        return
    _queue("usage" if run.resource == "usage" else "sync")


@receiver(connection_events_processed)
def _on_events(sender, batches, **kwargs) -> None:
    if any(batch.stored for batch in batches):
        _queue("events")
