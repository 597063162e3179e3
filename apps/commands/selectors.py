"""Reads for the commands pages and the home dashboard (local rows only)."""

from __future__ import annotations

from itertools import chain

from .models import IpCommand, SmsCommand


def commands_recent(*, direction: str | None = None, limit: int = 10) -> list:
    """The latest SMS and IP commands together, newest first (two small indexed queries)."""
    sms = SmsCommand.objects.all()
    ip = IpCommand.objects.all()
    if direction:
        sms, ip = sms.filter(direction=direction), ip.filter(direction=direction)
    rows = chain(sms.order_by("-date_created", "-id")[:limit], ip.order_by("-date_created", "-id")[:limit])
    return sorted(rows, key=lambda c: (c.date_created is not None, c.date_created), reverse=True)[:limit]
