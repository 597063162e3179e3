"""The global search: every registered provider asked once (see :mod:`apps.search.registry`)."""

from __future__ import annotations

from .registry import SearchGroup, SearchHit, SearchQuery, providers

#: hits per group in the navigation bar's box / on the results page
SUGGEST_LIMIT = 5
RESULTS_LIMIT = 25


def search_everything(*, text: str, limit: int = SUGGEST_LIMIT) -> tuple[SearchQuery, list[SearchGroup]]:
    """The cleaned query and the non-empty groups of hits, in the providers' order; no query at all when
    the text is shorter than ``registry.MIN_LENGTH``. The number of database queries is the sum of the
    providers' (each at most its ``max_queries``), whatever the number of rows."""
    query = SearchQuery(text)
    if not query.searchable:
        return query, []
    groups = []
    for provider in providers():
        hits = provider.search(query, limit=limit)
        if hits:
            groups.append(SearchGroup(provider=provider, hits=hits[:limit], query=query))
    return query, groups


def search_exact_hit(groups: list[SearchGroup]) -> SearchHit | None:
    """The first hit whose identifier (ICCID, SID, EID) is the whole text, in the providers' order (a SIM
    before the eSIM profile of the same ICCID), or None."""
    for group in groups:
        for hit in group.hits:
            if hit.exact:
                return hit
    return None
