"""Status colours shared by every app: one Bootstrap badge class per API status value.

``badge_class("active") -> "text-bg-success"``. Unknown values fall back to ``text-bg-secondary``.
"""

from __future__ import annotations

from django.db import models

# status value (as the API spells it) -> Bootstrap contextual colour
BADGE_COLOURS: dict[str, str] = {
    # SIMs
    "new": "secondary",
    "ready": "info",
    "active": "success",
    "inactive": "dark",
    "scheduled": "warning",
    # eSIM profiles
    "reserving": "warning",
    "available": "info",
    "downloaded": "primary",
    "installed": "success",
    # commands
    "queued": "secondary",
    "sent": "info",
    "delivered": "success",
    "received": "success",
    # settings updates
    "in-progress": "warning",
    "successful": "success",
    # shared
    "failed": "danger",
    "removed": "danger",
}
DEFAULT_COLOUR = "secondary"


def badge_colour(value: object) -> str:
    """The Bootstrap colour name for a status (``"success"``)."""
    if isinstance(value, models.Choices):
        value = value.value
    return BADGE_COLOURS.get(str(value or ""), DEFAULT_COLOUR)


def badge_class(value: object) -> str:
    """The Bootstrap badge class for a status (``"text-bg-success"``)."""
    return f"text-bg-{badge_colour(value)}"


class BadgeMixin:
    """For models: ``obj.status_badge_class`` gives the badge class of ``obj.status``."""

    @property
    def status_badge_class(self) -> str:
        return badge_class(getattr(self, "status", ""))
