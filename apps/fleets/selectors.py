"""Reads for the Fleets pages (local models only; counts by annotation, one query per page)."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from apps.core.choices import badge_class
from apps.sims.choices import SimStatus
from apps.sims.models import Sim
from apps.sims.selectors import sim_counts_by_fleet

from .models import Fleet

#: annotation name per SIM status: ``sims_active`` ...
STATUS_COUNT_FIELDS: dict[str, str] = {status.value: f"sims_{status.value}" for status in SimStatus}


def _sim_count_annotations() -> dict:
    live = Q(sims__removed_at__isnull=True)
    annotations = {
        name: Count("sims", filter=live & Q(sims__status=status))
        for status, name in STATUS_COUNT_FIELDS.items()
    }
    annotations["sims_total"] = Count("sims", filter=live)
    return annotations


def fleet_list_queryset(*, with_counts: bool = True) -> QuerySet[Fleet]:
    """Fleets with their NAP and, ``with_counts``, SIM counts per status (``sims_active``, ...,
    ``sims_total``) by annotation. The annotation is a GROUP BY over every SIM of every fleet: the list page
    asks for it only to sort by a count, and otherwise counts its page (:func:`fleets_attach_sim_counts`)."""
    queryset = Fleet.objects.select_related("network_access_profile").order_by("unique_name", "id")
    return queryset.annotate(**_sim_count_annotations()) if with_counts else queryset


def fleets_attach_sim_counts(fleets: list[Fleet]) -> None:
    """Set ``sims_<status>`` and ``sims_total`` on each fleet (a page of them) from the cached per-fleet
    counts (:func:`apps.sims.selectors.sim_counts_by_fleet`: one query on the counts table)."""
    counts = sim_counts_by_fleet(fleets=[fleet.sid for fleet in fleets])
    for fleet in fleets:
        by_status = counts.get(fleet.sid, {})
        for status, name in STATUS_COUNT_FIELDS.items():
            setattr(fleet, name, by_status.get(status, 0))
        fleet.sims_total = sum(by_status.values())


def fleet_get(*, sid: str) -> Fleet:
    """One fleet (by SID) with its NAP and SIM counts (from the counts table); raises
    ``Fleet.DoesNotExist``."""
    fleet = fleet_list_queryset(with_counts=False).get(sid=sid)
    fleets_attach_sim_counts([fleet])
    return fleet


def fleet_status_counts(fleet: Fleet) -> list[dict]:
    """``[{"status": "active", "label": "Active", "count": 3}, ...]`` from an annotated fleet."""
    return [
        {
            "status": status.value,
            "label": status.label,
            "count": getattr(fleet, STATUS_COUNT_FIELDS[status.value]),
            "badge": badge_class(status.value),
        }
        for status in SimStatus
    ]


def fleet_sims_queryset(*, fleet: Fleet) -> QuerySet[Sim]:
    """The fleet's SIMs still present upstream, newest first."""
    return Sim.objects.filter(fleet_id=fleet.sid, removed_at__isnull=True).order_by("-date_created", "-id")


def fleets_for_nap_queryset(*, nap_sid: str) -> QuerySet[Fleet]:
    return fleet_list_queryset().filter(network_access_profile_id=nap_sid, removed_at__isnull=True)


def fleet_choices_search(*, q: str = "", limit: int = 20, sms: bool = False) -> tuple[list[dict], bool]:
    """Live fleets whose unique name starts with ``q`` (case-insensitive) or whose SID is ``q``, by name,
    as ``[{"value": sid, "text": name}]`` (at most ``limit``) and whether there are more: the type-ahead
    fleet selects' source. ``sms``: the text says "(SMS commands disabled)" where they are. One query over
    ``limit + 1`` rows."""
    q = q.strip()[:64]
    qs = Fleet.objects.filter(removed_at__isnull=True).order_by("unique_name", "id")
    if q:
        match = Q(unique_name__istartswith=q)
        if q[:2].upper() == "HF":
            match |= Q(sid=q)
        qs = qs.filter(match)
    rows = list(qs.values_list("sid", "unique_name", "sms_commands_enabled")[: limit + 1])
    suffix = " (SMS commands disabled)"
    return [
        {"value": sid, "text": (name or sid) + (suffix if sms and enabled is False else "")}
        for sid, name, enabled in rows[:limit]
    ], len(rows) > limit
