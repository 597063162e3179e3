"""Reading sync runs for other pages (the home page's first-sync card)."""

from __future__ import annotations

from dataclasses import dataclass

from .models import SyncRun
from .registry import RESOURCES


@dataclass
class FirstSync:
    """The runs of the first sync batch ever started, in dependency order."""

    runs: list[SyncRun]

    @property
    def active(self) -> bool:
        return any(run.is_active for run in self.runs)

    @property
    def done(self) -> int:
        return sum(run.is_final for run in self.runs)

    @property
    def total(self) -> int:
        return len(self.runs)

    @property
    def current(self) -> SyncRun | None:
        """The run being written now (else the next one queued)."""
        running = [r for r in self.runs if r.status == SyncRun.Status.RUNNING]
        queued = [r for r in self.runs if r.status == SyncRun.Status.QUEUED]
        return (running or queued or [None])[0]

    @property
    def steps(self) -> list[dict]:
        return [
            {"label": RESOURCES[r.resource].label if r.resource in RESOURCES else r.resource, "run": r}
            for r in self.runs
        ]


def first_sync() -> FirstSync | None:
    """The first batch of full (unscoped) runs ever created - what ``make run`` starts before anyone has
    data - or None when no sync was ever started. One query."""
    first_batch = SyncRun.objects.filter(scope="").order_by("id").values("batch")[:1]
    runs = list(SyncRun.objects.filter(scope="", batch__in=first_batch).order_by("id"))
    return FirstSync(runs) if runs else None
