"""Display filters shared by every page: ``{% load core_display %}``.

* ``value|ago``: how long ago a moment was, ``"just now"`` under a minute (never ``"0 minutes ago"``);
* ``key|resource_label``: a sync resource key as people read it (``"nap_networks"`` -> ``"NAP networks"``,
  from the one label table in ``apps.sync.registry``).
"""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

register = template.Library()


@register.filter
def ago(value: datetime | None, now: datetime | None = None) -> str:
    """``"just now"`` under a minute (and for a moment a little in the future: clocks differ), else
    ``"3 minutes ago"`` / ``"2 hours, 5 minutes ago"``; ``""`` for no value."""
    if not value:
        return ""
    now = now or timezone.now()
    if (now - value).total_seconds() < 60:
        return "just now"
    return f"{timesince(value, now)} ago"


@register.filter
def resource_label(key: str) -> str:
    from apps.sync.registry import resource_label as label

    return label(key or "")
