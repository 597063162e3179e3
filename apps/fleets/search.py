"""Fleets in the global search (apps.search): name (anywhere in it, any case) or SID."""

from __future__ import annotations

from apps.search.registry import NameOrSidSearch, register

from .models import Fleet


@register
class FleetSearch(NameOrSidSearch):
    """An account has tens of fleets, not thousands: a ``%text%`` match on the name is cheap here (the fleet
    list's own search does the same)."""

    key, label, order = "fleets", "Fleets", 30
    model, list_url_name = Fleet, "fleets:fleet_list"
