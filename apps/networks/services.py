"""Sync write path for networks, NAPs and NAP memberships: API JSON -> field dicts -> bulk upsert."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from apps.audit.services import audit_api_failure
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
def networks_upsert(
    *, items: list[dict], run_id: int, now: datetime, seen: set | None = None
) -> UpsertResult:
    rows = [network_fields(i) for i in items]
    return bulk_upsert(model=Network, rows=rows, run_id=run_id, now=now, seen=seen)


def networks_sweep(*, run_id: int, now: datetime, seen: set | None = None) -> int:
    return sweep(model=Network, run_id=run_id, now=now, seen=seen)


# --- network access profiles ------------------------------------------------------------------------------
def naps_upsert(*, items: list[dict], run_id: int, now: datetime, seen: set | None = None) -> UpsertResult:
    rows = [nap_fields(i) for i in items]
    return bulk_upsert(model=NetworkAccessProfile, rows=rows, run_id=run_id, now=now, seen=seen)


def naps_sweep(*, run_id: int, now: datetime, seen: set | None = None) -> int:
    return sweep(model=NetworkAccessProfile, run_id=run_id, now=now, seen=seen)


def nap_from_api(*, data: dict) -> NetworkAccessProfile:
    return upsert_one(model=NetworkAccessProfile, row=nap_fields(data), now=timezone.now())


# --- NAP memberships --------------------------------------------------------------------------------------
def nap_networks_upsert(
    *, nap_sid: str, items: list[dict], run_id: int, now: datetime, seen: set | None = None
) -> UpsertResult:
    rows = [nap_network_fields(i, nap_sid=nap_sid) for i in items]
    return bulk_upsert(
        model=NetworkAccessProfileNetwork, rows=rows, run_id=run_id, now=now, key=NAP_NETWORK_KEY, seen=seen
    )


def nap_networks_sweep(*, nap_sid: str, run_id: int, now: datetime, seen: set | None = None) -> int:
    return sweep(
        model=NetworkAccessProfileNetwork,
        run_id=run_id,
        now=now,
        seen=seen,
        key=NAP_NETWORK_KEY,
        nap_id=nap_sid,
    )


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


# --- UI write services (API first, then the local rows from the API's answer, then the audit entry) --------
def nap_state(nap: NetworkAccessProfile) -> dict:
    """The audited view of a NAP: name and the SIDs of its networks (JSON-safe)."""
    networks = sorted(
        NetworkAccessProfileNetwork.objects.filter(nap_id=nap.sid, removed_at__isnull=True).values_list(
            "network_id", flat=True
        )
    )
    return {"sid": nap.sid, "unique_name": nap.unique_name, "networks": networks}


def nap_create(*, user, unique_name: str, networks: list, request=None) -> NetworkAccessProfile:
    """CreateNetworkAccessProfile with ``networks`` (Network rows or SIDs); the memberships are then read
    back from the API (``GET .../Networks``). Raises ``SuperSimError`` (audited, nothing local) on refusal."""
    from apps.audit.services import audit_record
    from apps.supersim.client import get_client
    from apps.supersim.errors import SuperSimError

    sids = [n if isinstance(n, str) else n.sid for n in networks]
    client = get_client()
    try:
        answer = client.nap_create(unique_name=unique_name or None, networks=sids)
    except SuperSimError as exc:
        audit_api_failure(
            action="nap.create",
            user=user,
            exc=exc,
            request=request,
            requested={"unique_name": unique_name, "networks": sids},
            object_type="networkaccessprofile",
            object_repr=unique_name,
        )
        raise
    nap = nap_from_api(data=answer)
    try:
        for item in client.nap_networks_list(nap.sid):
            nap_network_from_api(data=item, nap_sid=nap.sid)
    except SuperSimError:  # created upstream; the memberships come with the next sync
        pass
    audit_record(
        action="nap.create", user=user, obj=nap, after=nap_state(nap), api_response=answer, request=request
    )
    return nap


def nap_rename(*, nap: NetworkAccessProfile, unique_name: str, user, request=None) -> NetworkAccessProfile:
    """UpdateNetworkAccessProfile (``UniqueName``). Raises ``SuperSimError`` (audited) on refusal."""
    from apps.audit.services import audit_record
    from apps.supersim.client import get_client
    from apps.supersim.errors import SuperSimError

    before = {"sid": nap.sid, "unique_name": nap.unique_name}
    try:
        answer = get_client().nap_update(nap.sid, unique_name=unique_name)
    except SuperSimError as exc:
        audit_api_failure(
            action="nap.rename",
            user=user,
            exc=exc,
            request=request,
            obj=nap,
            requested={"unique_name": unique_name},
        )
        raise
    renamed = nap_from_api(data=answer)
    audit_record(
        action="nap.rename",
        user=user,
        obj=renamed,
        before=before,
        after={"sid": renamed.sid, "unique_name": renamed.unique_name},
        api_response=answer,
        request=request,
    )
    return renamed


def nap_network_add(
    *, nap: NetworkAccessProfile, network: Network, user, request=None
) -> NetworkAccessProfileNetwork:
    """CreateNetworkAccessProfileNetwork. Raises ``SuperSimError`` (audited, nothing local) on refusal."""
    from apps.audit.services import audit_record
    from apps.supersim.client import get_client
    from apps.supersim.errors import SuperSimError

    before = nap_state(nap)
    try:
        answer = get_client().nap_network_add(nap.sid, network.sid)
    except SuperSimError as exc:
        audit_api_failure(
            action="nap.network_add",
            user=user,
            exc=exc,
            request=request,
            obj=nap,
            requested={"add_network": network.sid},
        )
        raise
    membership = nap_network_from_api(data=answer, nap_sid=nap.sid)
    audit_record(
        action="nap.network_add",
        user=user,
        obj=nap,
        before=before,
        after=nap_state(nap),
        api_response=answer,
        request=request,
        message=f"added {network} ({network.sid})",
    )
    return membership


def nap_network_remove(
    *, nap: NetworkAccessProfile, membership: NetworkAccessProfileNetwork, user, request=None
) -> None:
    """DeleteNetworkAccessProfileNetwork. Raises ``SuperSimError`` (audited, nothing local) on refusal."""
    from apps.audit.services import audit_record
    from apps.supersim.client import get_client
    from apps.supersim.errors import SuperSimError

    network_sid = membership.network_id or membership.sid
    before = nap_state(nap)
    label = f"{membership.friendly_name or network_sid} ({network_sid})"
    try:
        get_client().nap_network_remove(nap.sid, network_sid)
    except SuperSimError as exc:
        audit_api_failure(
            action="nap.network_remove",
            user=user,
            exc=exc,
            request=request,
            obj=nap,
            requested={"remove_network": network_sid},
        )
        raise
    nap_network_mark_removed(nap_sid=nap.sid, network_sid=network_sid)
    audit_record(
        action="nap.network_remove",
        user=user,
        obj=nap,
        before=before,
        after=nap_state(nap),
        api_response={"status": 204},
        request=request,
        message=f"removed {label}",
    )
