"""Signals other apps listen to (alerting re-evaluates its rules when new events were stored)."""

from django.dispatch import Signal

#: sent after queued batches were processed, in their transaction (``batches``: the EventBatch rows, each
#: with its ``stored`` / ``duplicates`` / ``dead`` counts)
connection_events_processed = Signal()
