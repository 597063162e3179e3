"""Reads for the Networks and Network Access Profiles pages (local models only, fixed query counts)."""

from __future__ import annotations

from functools import lru_cache

import pycountry
from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from .models import Network, NetworkAccessProfile, NetworkAccessProfileNetwork

SEARCH_LIMIT = 20


def country_name(code: str) -> str:
    """``"DE"`` -> ``"Germany"`` (pycountry); unknown codes are returned as they are."""
    return _country_names().get((code or "").upper(), code or "")


@lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    return {c.alpha_2: getattr(c, "common_name", None) or c.name for c in pycountry.countries}


def country_name_sql() -> Case:
    """The country's name as a database expression (``CASE iso_country WHEN 'AE' THEN 'United Arab
    Emirates' ...``), so the catalogue sorts by name in the database and pages as usual. One CASE over the
    ~250 ISO codes: cheap for a catalogue of a few hundred rows, and no column to keep in step."""
    return Case(
        *(When(iso_country=code, then=Value(name)) for code, name in sorted(_country_names().items())),
        default=F("iso_country"),
        output_field=CharField(),
    )


def country_choices() -> list[tuple[str, str]]:
    return sorted(((code, f"{name} ({code})") for code, name in _country_names().items()), key=lambda c: c[1])


def countries_matching(text: str) -> list[str]:
    """ISO codes whose code or (common/official) name contains ``text`` (case-insensitive)."""
    text = text.strip().lower()
    if not text:
        return []
    codes = []
    for c in pycountry.countries:
        names = [c.alpha_2, c.alpha_3, c.name, getattr(c, "common_name", ""), getattr(c, "official_name", "")]
        if (len(text) <= 3 and text in (c.alpha_2.lower(), c.alpha_3.lower())) or any(
            text in n.lower() for n in names[2:] if n
        ):
            codes.append(c.alpha_2)
    return codes


def network_search_q(text: str) -> Q:
    """Match a network by country (code or name), name, or MCC/MNC (``310410``, ``310-410``, ``310``)."""
    text = text.strip()
    q = Q(friendly_name__icontains=text) | Q(mcc_mnc__icontains=text) | Q(sid__iexact=text)
    codes = countries_matching(text)
    if codes:
        q |= Q(iso_country__in=codes)
    return q


def _live_memberships() -> QuerySet[NetworkAccessProfileNetwork]:
    return NetworkAccessProfileNetwork.objects.filter(removed_at__isnull=True)


def _count_subquery(queryset: QuerySet, field: str) -> Coalesce:
    """A correlated ``COUNT(*)`` of ``queryset`` rows whose ``field`` equals the outer row's SID."""
    counted = (
        queryset.filter(**{field: OuterRef("sid")})
        .order_by()
        .values(field)
        .annotate(n=Count("*"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


# --- Networks -----------------------------------------------------------------------------------------------
def network_list_queryset() -> QuerySet[Network]:
    """The catalogue sorted by country name (``country_name``, see :func:`country_name_sql`), with the NAPs
    allowing each network prefetched (one extra query per page)."""
    memberships = _live_memberships().select_related("nap").order_by("nap__unique_name", "nap_id")
    return (
        Network.objects.annotate(country_name=country_name_sql())
        .prefetch_related(Prefetch("nap_memberships", queryset=memberships, to_attr="live_memberships"))
        .order_by("country_name", "friendly_name", "id")
    )


def network_get(*, sid: str) -> Network:
    return network_list_queryset().get(sid=sid)


# --- Network Access Profiles --------------------------------------------------------------------------------
def nap_list_queryset() -> QuerySet[NetworkAccessProfile]:
    """NAPs with ``network_count`` and ``fleet_count`` (correlated subqueries: no join fan-out)."""
    from apps.fleets.models import Fleet

    return NetworkAccessProfile.objects.annotate(
        network_count=_count_subquery(_live_memberships(), "nap_id"),
        fleet_count=_count_subquery(
            Fleet.objects.filter(removed_at__isnull=True), "network_access_profile_id"
        ),
    ).order_by("unique_name", "id")


def nap_get(*, sid: str) -> NetworkAccessProfile:
    return nap_list_queryset().get(sid=sid)


def nap_memberships(*, nap: NetworkAccessProfile) -> QuerySet[NetworkAccessProfileNetwork]:
    """The networks currently in ``nap`` (with the catalogue row when synced), by country then name."""
    return (
        _live_memberships()
        .filter(nap_id=nap.sid)
        .select_related("network")
        .order_by("iso_country", "friendly_name", "id")
    )


def nap_network_candidates(
    *, nap: NetworkAccessProfile, text: str, limit: int = SEARCH_LIMIT
) -> list[Network]:
    """Catalogue networks matching ``text`` that ``nap`` does not allow yet (first ``limit``)."""
    if not text.strip():
        return []
    in_nap = _live_memberships().filter(nap_id=nap.sid, network_id__isnull=False).values("network_id")
    qs = (
        Network.objects.filter(removed_at__isnull=True)
        .filter(network_search_q(text))
        .exclude(sid__in=in_nap)
        .order_by("iso_country", "friendly_name", "id")
    )
    return list(qs[:limit])
