"""Reads of the alerts app: the alerts page, the bell, rules and channels."""

from __future__ import annotations

from django.db.models import Count, Q

from .models import Alert, AlertRule, Channel, Delivery

#: the bell counts up to this many (and shows "99+")
BELL_CAP = 99


def alert_list_queryset():
    """Alerts newest first with their rule and who acknowledged them (two joins, no per-row query)."""
    return Alert.objects.select_related("rule", "acknowledged_by").order_by("-opened_at", "-id")


def alert_bell(*, now=None) -> dict:
    """What the bell shows: the number of open, unacknowledged, unsnoozed alerts, counted up to
    ``BELL_CAP`` + 1 (one query reading at most that many index entries, whatever the history)."""
    count = Alert.objects.unread(now).order_by()[: BELL_CAP + 1].count()
    return {"count": min(count, BELL_CAP), "over": count > BELL_CAP, "cap": BELL_CAP}


def rule_list_queryset():
    return AlertRule.objects.annotate(
        active_alerts=Count("alerts", filter=Q(alerts__state__in=Alert.ACTIVE))
    ).order_by("name", "id")


def channel_list_queryset():
    return Channel.objects.order_by("name", "id")


def channel_recent_deliveries(*, channel: Channel, limit: int = 25):
    return list(
        Delivery.objects.filter(channel=channel)
        .select_related("rule", "alert")
        .prefetch_related("attempt_log")
        .order_by("-created_at", "-id")[:limit]
    )
