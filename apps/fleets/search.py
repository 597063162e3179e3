"""Fleets in the global search (apps.search): name (anywhere in it, any case) or SID."""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import Q
from django.urls import reverse

from apps.search.registry import SearchHit, SearchProvider, register, sid_q

from .models import Fleet


@register
class FleetSearch(SearchProvider):
    """One query. An account has tens of fleets, not thousands: a ``%text%`` match on the name is cheap
    here (the fleet list's own search does the same)."""

    key, label, order = "fleets", "Fleets", 30

    def search(self, query, *, limit):
        rows = (
            Fleet.objects.filter(Q(unique_name__icontains=query.text) | sid_q(query))
            .only("sid", "unique_name", "removed_at")
            .order_by("unique_name", "id")[:limit]
        )
        return [
            SearchHit(
                label=str(fleet),
                detail=fleet.sid,
                url=fleet.get_absolute_url(),
                matched="SID" if fleet.sid == query.sid else "Name",
                exact=fleet.sid == query.sid,
                removed=fleet.removed_at is not None,
            )
            for fleet in rows
        ]

    def list_url(self, query):
        return reverse("fleets:fleet_list") + "?" + urlencode({"q": query.text})
