"""Turning the API's values into row values."""

from __future__ import annotations

from datetime import datetime
from typing import Any


def parse_dt(value: Any) -> datetime | None:
    """ISO-8601 string from the API -> aware datetime (``None`` for empty/invalid)."""
    if not value:
        return None
    if isinstance(value, datetime):
        return value
    value = str(value)
    if len(value) == 20 and value[-1] == "Z" and value[10] == "T":  # the API's YYYY-MM-DDTHH:MM:SSZ
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    from django.utils.dateparse import parse_datetime

    try:
        parsed = parse_datetime(value)
    except ValueError:
        return None
    return parsed
