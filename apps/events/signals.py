"""Signals other apps listen to (alerting re-evaluates its rules when new events were stored)."""

from django.dispatch import Signal

#: sent by :func:`apps.events.services.process_batch` after a batch was stored (``batch``: the EventBatch)
connection_events_processed = Signal()
