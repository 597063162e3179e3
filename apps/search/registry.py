"""The global search's providers: one per model (or app), registered from that app's ``search.py``.

An app makes its rows findable from the navigation bar's search box by adding ``apps/<app>/search.py``::

    from apps.search.registry import SearchHit, SearchProvider, register

    @register
    class FleetSearch(SearchProvider):
        key, label, order = "fleets", "Fleets", 30

        def search(self, query, *, limit):
            rows = Fleet.objects.filter(...)[:limit]          # ONE query, index-friendly
            return [SearchHit(label=str(f), url=f.get_absolute_url(), ...) for f in rows]

``apps.search`` imports every installed app's ``search`` module at start-up (``autodiscover_modules``), so
nothing else is needed. The contract of :meth:`SearchProvider.search`: a fixed number of queries (at most
:attr:`SearchProvider.max_queries`, whatever the number of rows), each a prefix match on an indexed column
(or any match on a small table), at most ``limit`` hits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MIN_LENGTH = 2
MAX_LENGTH = 100
_SID = re.compile(r"^[A-Za-z]{2}[0-9A-Fa-f]*$")


@dataclass(frozen=True)
class SearchQuery:
    """What was typed, cleaned once for every provider.

    ``text``: stripped, inner whitespace collapsed, cut at :data:`MAX_LENGTH`; ``digits``: the text without
    spaces when it is only digits (ICCID, EID, IMEI prefixes), else ""; ``sid``: the text written as a Twilio
    SID (two capital letters, then lowercase hex) when it looks like one, else ""."""

    raw: str
    text: str = field(init=False)
    digits: str = field(init=False)
    sid: str = field(init=False)

    def __post_init__(self):
        text = " ".join((self.raw or "").split())[:MAX_LENGTH]
        compact = text.replace(" ", "")
        object.__setattr__(self, "text", text)
        object.__setattr__(self, "digits", compact if compact.isascii() and compact.isdigit() else "")
        sid = compact[:2].upper() + compact[2:].lower() if _SID.match(compact) else ""
        object.__setattr__(self, "sid", sid)

    @property
    def searchable(self) -> bool:
        return len(self.text) >= MIN_LENGTH

    def sid_of(self, prefix: str) -> str:
        """The SID prefix when the text is one of a resource whose SIDs start with ``prefix`` ("HS")."""
        return self.sid if self.sid[:2] == prefix and len(self.sid) >= 2 else ""


@dataclass(frozen=True)
class SearchHit:
    """One row found: ``label`` (its name), ``detail`` (what else identifies it), ``url`` (its page),
    ``matched`` (the field the text matched, e.g. "ICCID") and ``exact`` (the text is that row's whole
    identifier - ICCID, SID, EID: the results page goes straight to it)."""

    label: str
    url: str
    detail: str = ""
    matched: str = ""
    exact: bool = False
    removed: bool = False


@dataclass
class SearchGroup:
    """The hits of one provider, as the box and the results page show them."""

    provider: SearchProvider
    hits: list[SearchHit]
    query: SearchQuery

    @property
    def label(self) -> str:
        return self.provider.label

    @property
    def key(self) -> str:
        return self.provider.key

    @property
    def list_url(self) -> str:
        return self.provider.list_url(self.query)


class SearchProvider:
    """Finds one kind of row. Subclasses set ``key`` (unique, e.g. "sims"), ``label`` (the group's heading),
    ``order`` (groups are shown by ascending order) and implement :meth:`search`."""

    key: str = ""
    label: str = ""
    order: int = 100
    #: the most queries one :meth:`search` call may run (checked by apps/search/tests)
    max_queries: int = 1

    def search(self, query: SearchQuery, *, limit: int) -> list[SearchHit]:
        """At most ``limit`` hits for ``query`` (``query.searchable`` is true), best first; at most
        :attr:`max_queries` queries, none of them depending on the number of rows."""
        raise NotImplementedError

    def list_url(self, query: SearchQuery) -> str:
        """The list page filtered by the same text ("all matching …"), or "" when there is none."""
        return ""


class NameOrSidSearch(SearchProvider):
    """A provider over a small table of named synced rows (fleets, NAPs: tens per account): ``model``'s
    ``unique_name`` anywhere in it, any case, or its whole SID; one query. Subclasses set ``model`` and
    ``list_url_name`` (the list page whose ``?q=`` searches the same way)."""

    model = None
    list_url_name: str = ""

    def search(self, query, *, limit):
        from django.db.models import Q

        rows = (
            self.model.objects.filter(Q(unique_name__icontains=query.text) | sid_q(query))
            .only("sid", "unique_name", "removed_at")
            .order_by("unique_name", "id")[:limit]
        )
        return [
            SearchHit(
                label=str(row),
                detail=row.sid,
                url=row.get_absolute_url(),
                matched="SID" if row.sid == query.sid else "Name",
                exact=row.sid == query.sid,
                removed=row.removed_at is not None,
            )
            for row in rows
        ]

    def list_url(self, query):
        from urllib.parse import urlencode

        from django.urls import reverse

        return reverse(self.list_url_name) + "?" + urlencode({"q": query.text})


_providers: dict[str, SearchProvider] = {}


def register(provider_class: type[SearchProvider]) -> type[SearchProvider]:
    """Class decorator: add a provider (one instance) to the global search. A key registered twice is
    replaced (a module imported again), never duplicated."""
    if not provider_class.key:
        raise ValueError(f"{provider_class.__name__} has no key")
    _providers[provider_class.key] = provider_class()
    return provider_class


def unregister(key: str) -> None:
    _providers.pop(key, None)


def providers() -> list[SearchProvider]:
    return sorted(_providers.values(), key=lambda p: (p.order, p.key))


def sid_q(query: SearchQuery):
    """``sid = <the text as a SID>`` when the text looks like a SID; else a condition that matches nothing
    (and costs nothing: Django answers ``pk__in=[]`` without a query when it is alone)."""
    from django.db.models import Q

    return Q(sid=query.sid) if query.sid else Q(pk__in=[])


def prefix_match(queryset, expression, prefix: str, *, ordered: bool = False):
    """``queryset`` narrowed to the rows whose ``expression`` starts with ``prefix`` (``LIKE 'prefix%'``,
    wildcards escaped). On PostgreSQL the expression is compared in the "C" collation, which an index on
    ``(expression COLLATE "C")`` serves for the match AND (``ordered=True``) the order, in any database
    locale; without such an index use ``ordered=False`` on a column with Django's ``_like`` index and sort
    the few hits in Python (an ``ORDER BY`` over a short prefix would sort every matching row)."""
    from django.db import connections
    from django.db.models.functions import Collate

    if connections[queryset.db].vendor == "postgresql" and ordered:
        expression = Collate(expression, "C")
    queryset = queryset.alias(_search_key=expression).filter(_search_key__startswith=prefix)
    return queryset.order_by("_search_key") if ordered else queryset.order_by()
