"""Sync write path for networks, NAPs and NAP memberships: API JSON -> field dicts -> bulk upsert."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from apps.core.upsert import UpsertResult, bulk_upsert, parse_dt, sweep, upsert_one

from .models import Network, NetworkAccessProfile, NetworkAccessProfileNetwork

NAP_NETWORK_KEY = ("nap", "network")


def _identifiers(item: dict) -> list:
    return list(item.get("identifiers") or [])


def mcc_mnc_text(identifiers: list) -> str:
    """``[{"mcc": "310", "mnc": "410"}]`` -> ``"310-410 310410"`` (both spellings, for search)."""
    parts: list[str] = []
    for ident in identifiers:
        if isinstance(ident, dict) and ident.get("mcc"):
            mcc, mnc = str(ident.get("mcc")), str(ident.get("mnc") or "")
            parts += [f"{mcc}-{mnc}", f"{mcc}{mnc}"]
    return " ".join(parts)[:1024]


def network_fields(item: dict) -> dict:
    identifiers = _identifiers(item)
    return {
        "sid": item["sid"],
        "raw": item,
        "friendly_name": item.get("friendly_name") or "",
        "iso_country": item.get("iso_country") or "",
        "identifiers": identifiers,
        "mcc_mnc": mcc_mnc_text(identifiers),
    }


def nap_fields(item: dict) -> dict:
    return {
        "sid": item["sid"],
        "raw": item,
        "unique_name": item.get("unique_name") or "",
        "account_sid": item.get("account_sid") or "",
        "date_created": parse_dt(item.get("date_created")),
        "date_updated": parse_dt(item.get("date_updated")),
    }


def nap_network_fields(item: dict, *, nap_sid: str | None = None) -> dict:
    return {
        "sid": item["sid"],
        "raw": item,
        "nap_id": nap_sid or item.get("network_access_profile_sid"),
        "network_id": item["sid"],  # the membership's SID is the network's SID
        "friendly_name": item.get("friendly_name") or "",
        "iso_country": item.get("iso_country") or "",
        "identifiers": _identifiers(item),
    }


# --- networks ---------------------------------------------------------------------------------------------
def networks_upsert(*, items: list[dict], run_id: int, now: datetime) -> UpsertResult:
    return bulk_upsert(model=Network, rows=[network_fields(i) for i in items], run_id=run_id, now=now)


def networks_sweep(*, run_id: int, now: datetime) -> int:
    return sweep(model=Network, run_id=run_id, now=now)


def network_from_api(*, data: dict) -> Network:
    return upsert_one(model=Network, row=network_fields(data), now=timezone.now())


# --- network access profiles ------------------------------------------------------------------------------
def naps_upsert(*, items: list[dict], run_id: int, now: datetime) -> UpsertResult:
    return bulk_upsert(
        model=NetworkAccessProfile, rows=[nap_fields(i) for i in items], run_id=run_id, now=now
    )


def naps_sweep(*, run_id: int, now: datetime) -> int:
    return sweep(model=NetworkAccessProfile, run_id=run_id, now=now)


def nap_from_api(*, data: dict) -> NetworkAccessProfile:
    return upsert_one(model=NetworkAccessProfile, row=nap_fields(data), now=timezone.now())


# --- NAP memberships --------------------------------------------------------------------------------------
def nap_networks_upsert(*, nap_sid: str, items: list[dict], run_id: int, now: datetime) -> UpsertResult:
    rows = [nap_network_fields(i, nap_sid=nap_sid) for i in items]
    return bulk_upsert(
        model=NetworkAccessProfileNetwork, rows=rows, run_id=run_id, now=now, key=NAP_NETWORK_KEY
    )


def nap_networks_sweep(*, nap_sid: str, run_id: int, now: datetime) -> int:
    return sweep(model=NetworkAccessProfileNetwork, run_id=run_id, now=now, nap_id=nap_sid)


def nap_network_from_api(*, data: dict, nap_sid: str | None = None) -> NetworkAccessProfileNetwork:
    row = nap_network_fields(data, nap_sid=nap_sid)
    # natural key is (nap, network): one bulk upsert of one row, then read it back
    bulk_upsert(
        model=NetworkAccessProfileNetwork, rows=[row], run_id=None, now=timezone.now(), key=NAP_NETWORK_KEY
    )
    return NetworkAccessProfileNetwork.objects.get(nap_id=row["nap_id"], network_id=row["network_id"])


def nap_network_mark_removed(*, nap_sid: str, network_sid: str) -> int:
    """After the API confirmed ``DELETE .../Networks/{sid}``: mark the local membership removed."""
    return NetworkAccessProfileNetwork.objects.filter(
        nap_id=nap_sid, network_id=network_sid, removed_at__isnull=True
    ).update(removed_at=timezone.now())
