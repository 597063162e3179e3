"""eSIM profiles in the global search (apps.search): EID and ICCID prefixes, SID."""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import F, Q
from django.urls import reverse

from apps.search.registry import SearchHit, SearchProvider, prefix_match, register

from .models import EsimProfile


@register
class EsimProfileSearch(SearchProvider):
    """One query: digits -> EID or ICCID prefix (their ``_like`` indexes, a BitmapOr); "HP…" -> SID prefix
    (the unique column's ``_like`` index). Nothing else can match an eSIM profile, so other text costs no
    query."""

    key, label, order = "esims", "eSIM profiles", 20

    def search(self, query, *, limit):
        base = EsimProfile.objects.only("sid", "eid", "iccid", "status", "removed_at")
        sid = query.sid_of("HP")
        if query.digits:
            rows = base.filter(Q(eid__startswith=query.digits) | Q(iccid__startswith=query.digits)).order_by()
        elif len(sid) > 2:
            rows = prefix_match(base, F("sid"), sid)
        else:
            return []
        hits = []
        for profile in sorted(rows[:limit], key=lambda p: (p.eid or p.iccid, p.sid)):
            if query.digits:
                matched = "EID" if profile.eid.startswith(query.digits) else "ICCID"
                exact = query.digits in (profile.eid, profile.iccid)
            else:
                matched, exact = "SID", profile.sid == sid
            iccid = f"ICCID {profile.iccid}" if profile.iccid else ""
            hits.append(
                SearchHit(
                    label=f"EID {profile.eid}" if profile.eid else profile.iccid or profile.sid,
                    detail=" · ".join(x for x in (iccid, profile.get_status_display(), profile.sid) if x),
                    url=profile.get_absolute_url(),
                    matched=matched,
                    exact=exact,
                    removed=profile.removed_at is not None,
                )
            )
        return hits

    def list_url(self, query):
        return reverse("esims:esimprofile_list") + "?" + urlencode({"q": query.text})
