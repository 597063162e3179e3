"""Signals other apps listen to (alerting re-evaluates its rules when new data arrived)."""

from django.dispatch import Signal

#: sent by :func:`apps.sync.services.sync_resource` when a run has finished (``run``: the SyncRun)
sync_run_finished = Signal()
