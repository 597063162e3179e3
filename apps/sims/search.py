"""SIMs in the global search (apps.search): ICCID, SID, IMEI (from connection events), name prefixes."""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Upper
from django.urls import reverse

from apps.events.models import SimConnectionState
from apps.search.registry import SearchHit, SearchProvider, prefix_match, register

from .models import Sim

_FIELDS = ("sid", "iccid", "unique_name", "status", "removed_at")


def _next_prefix(prefix: str) -> str:
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


@register
class SimSearch(SearchProvider):
    """Up to three queries, each served by an index of ``sims_sim`` or ``events_simconnectionstate``:
    digits -> ICCID prefix (``iccid`` ``_like`` index) and IMEI prefix (``search_state_imei``); "HS…" -> SID
    range (the unique index: SIDs are capitals + lowercase hex, so the range is the prefix in any locale);
    always -> name prefix, any case (``search_sim_name_upper``, alphabetical)."""

    key, label, order = "sims", "SIMs", 10
    max_queries = 3

    def search(self, query, *, limit):
        rows: list[tuple[Sim, str, str]] = []  # (sim, matched, value)
        base = Sim.objects.only(*_FIELDS)
        if query.digits:
            for sim in prefix_match(base, F("iccid"), query.digits)[:limit]:
                rows.append((sim, "ICCID", sim.iccid))
            states = (
                SimConnectionState.objects.exclude(imei="").filter(imei__startswith=query.digits).order_by()
            )
            imei = SimConnectionState.objects.filter(sim_sid=OuterRef("sid")).values("imei")[:1]
            in_imei = base.filter(sid__in=states.values("sim_sid")[:limit]).annotate(
                found_imei=Subquery(imei)
            )
            for sim in in_imei:
                rows.append((sim, "IMEI", sim.found_imei or ""))
        sid = query.sid_of("HS")
        if len(sid) > 2:
            in_range = base.filter(sid__gte=sid, sid__lt=_next_prefix(sid), sid__startswith=sid).order_by()
            for sim in in_range[:limit]:
                rows.append((sim, "SID", sim.sid))
        for sim in prefix_match(base, Upper("unique_name"), query.text.upper(), ordered=True)[:limit]:
            rows.append((sim, "Name", sim.unique_name))

        exact_value = query.digits or query.sid
        hits, seen = [], set()
        # exact identifiers first, then ICCID / IMEI / SID prefixes (shortest value first), then names
        rank = {"ICCID": 1, "IMEI": 2, "SID": 3, "Name": 4}
        ordered = sorted(
            rows,
            key=lambda r: (
                not (r[1] in ("ICCID", "SID") and r[2] == exact_value),
                rank[r[1]],
                r[1] != "Name" and len(r[2]),
                r[1] != "Name" and r[2],
            ),
        )
        for sim, matched, value in ordered:
            if sim.sid in seen:
                continue
            seen.add(sim.sid)
            detail = " · ".join(
                x for x in (sim.iccid if sim.unique_name else "", sim.get_status_display(), sim.sid) if x
            )
            if matched == "IMEI":
                detail = f"IMEI {value} · {detail}"
            hits.append(
                SearchHit(
                    label=sim.unique_name or sim.iccid or sim.sid,
                    detail=detail,
                    url=sim.get_absolute_url(),
                    matched=matched,
                    exact=matched in ("ICCID", "SID") and value == exact_value,
                    removed=sim.removed_at is not None,
                )
            )
        return hits[:limit]

    def list_url(self, query):
        return reverse("sims:sim_list") + "?" + urlencode({"q": query.text})
