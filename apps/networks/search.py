"""Network Access Profiles and networks in the global search (apps.search)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

from apps.search.registry import NameOrSidSearch, SearchHit, SearchProvider, register, sid_q

from .models import Network, NetworkAccessProfile
from .selectors import network_search_q


@register
class NapSearch(NameOrSidSearch):
    """An account has a handful of NAPs: name anywhere in it, or SID."""

    key, label, order = "naps", "Network Access Profiles", 40
    model, list_url_name = NetworkAccessProfile, "networks:nap_list"


@register
class NetworkSearch(SearchProvider):
    """One query over the networks (hundreds of rows): name, country, MCC-MNC or SID, as the network list's
    own search (``network_search_q``)."""

    key, label, order = "networks", "Networks", 50

    def search(self, query, *, limit):
        rows = (
            Network.objects.filter(network_search_q(query.text) | sid_q(query))
            .only("sid", "friendly_name", "iso_country", "removed_at")
            .order_by("iso_country", "friendly_name", "id")[:limit]
        )
        return [
            SearchHit(
                label=network.friendly_name or network.sid,
                detail=" · ".join(x for x in (network.iso_country, network.sid) if x),
                url=network.get_absolute_url(),
                matched="SID" if network.sid == query.sid else "Network",
                exact=network.sid == query.sid,
                removed=network.removed_at is not None,
            )
            for network in rows
        ]

    def list_url(self, query):
        return reverse("networks:network_list") + "?" + urlencode({"q": query.text})
