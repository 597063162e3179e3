"""Tags in the global search (apps.search): name anywhere in it, any case; a hit opens the SIM list filtered
by the tag."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

from apps.search.registry import SearchHit, SearchProvider, register

from .models import Tag


@register
class TagSearch(SearchProvider):
    """One query over a small table (tens of tags): a ``%text%`` match on the name."""

    key, label, order = "tags", "Tags", 60

    def search(self, query, *, limit):
        rows = Tag.objects.filter(name__icontains=query.text).order_by("name")[:limit]
        sims = reverse("sims:sim_list")
        return [
            SearchHit(
                label=tag.name,
                detail=tag.description or "SIMs with this tag",
                url=f"{sims}?{urlencode({'tag': tag.pk})}",
                matched="Tag",
                exact=False,
            )
            for tag in rows
        ]

    def list_url(self, query):
        return reverse("annotations:tag_list") + "?" + urlencode({"q": query.text})
