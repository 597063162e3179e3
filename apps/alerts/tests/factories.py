"""Rows for the alert tests: rules, channels, usage written out."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from apps.alerts.models import AlertRule, Channel
from apps.usage.models import UsageRecord

MB = 1_000_000


def today() -> dt.datetime:
    return timezone.now().astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def usage(sim_sid: str, mb: float, *, day: dt.datetime | None = None) -> UsageRecord:
    """One daily usage record of a SIM (``day`` defaults to today, UTC)."""
    start = day or today()
    return UsageRecord.objects.create(
        group="sim",
        group_key=sim_sid,
        granularity="day",
        period_start=start,
        period_end=start + dt.timedelta(days=1),
        data_total=int(mb * MB),
    )


def rule(**fields) -> AlertRule:
    channels = fields.pop("channels", [])
    fields.setdefault("name", f"rule-{AlertRule.objects.count() + 1}")
    fields.setdefault("condition", "usage_percent")
    fields.setdefault("threshold", 80)
    fields.setdefault("cooldown_minutes", 0)
    obj = AlertRule.objects.create(**fields)
    obj.channels.set(channels)
    return obj


def channel(**fields) -> Channel:
    fields.setdefault("name", f"channel-{Channel.objects.count() + 1}")
    fields.setdefault("kind", "in_app")
    return Channel.objects.create(**fields)
