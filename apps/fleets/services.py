"""Sync write path for fleets: API JSON -> field dicts -> bulk upsert."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from apps.core.upsert import UpsertResult, bulk_upsert, parse_dt, sweep, upsert_one

from .models import Fleet


def fleet_fields(item: dict) -> dict:
    return {
        "sid": item["sid"],
        "raw": item,
        "unique_name": item.get("unique_name") or "",
        "account_sid": item.get("account_sid") or "",
        "data_enabled": item.get("data_enabled"),
        "data_limit": item.get("data_limit"),
        "data_metering": item.get("data_metering") or "",
        "sms_commands_enabled": item.get("sms_commands_enabled"),
        "sms_commands_url": item.get("sms_commands_url") or "",
        "sms_commands_method": item.get("sms_commands_method") or "",
        "ip_commands_url": item.get("ip_commands_url") or "",
        "ip_commands_method": item.get("ip_commands_method") or "",
        "network_access_profile_id": item.get("network_access_profile_sid") or None,
        "date_created": parse_dt(item.get("date_created")),
        "date_updated": parse_dt(item.get("date_updated")),
    }


def fleets_upsert(*, items: list[dict], run_id: int, now: datetime, seen: set | None = None) -> UpsertResult:
    rows = [fleet_fields(i) for i in items]
    return bulk_upsert(model=Fleet, rows=rows, run_id=run_id, now=now, seen=seen)


def fleets_sweep(*, run_id: int, now: datetime, seen: set | None = None) -> int:
    return sweep(model=Fleet, run_id=run_id, now=now, seen=seen)


def fleet_from_api(*, data: dict) -> Fleet:
    return upsert_one(model=Fleet, row=fleet_fields(data), now=timezone.now())


# --- UI write services (API first, then the local row from the API's answer, then the audit entry) --------
#: the fleet fields shown in audit before/after
FLEET_AUDIT_FIELDS = (
    "sid",
    "unique_name",
    "network_access_profile_id",
    "data_enabled",
    "data_limit",
    "data_metering",
    "sms_commands_enabled",
    "sms_commands_url",
    "sms_commands_method",
    "ip_commands_url",
    "ip_commands_method",
)
#: what UpdateFleet accepts (``data`` key -> Fleet attribute holding the current value)
FLEET_UPDATABLE = {
    "unique_name": "unique_name",
    "network_access_profile": "network_access_profile_id",
    "data_limit": "data_limit",
    "sms_commands_url": "sms_commands_url",
    "sms_commands_method": "sms_commands_method",
    "ip_commands_url": "ip_commands_url",
    "ip_commands_method": "ip_commands_method",
}
FLEET_CREATABLE = (*FLEET_UPDATABLE, "data_enabled", "sms_commands_enabled")


def _differs(new, old) -> bool:
    empty = (None, "")
    return new is not None and new != old and not (new in empty and old in empty)


def fleet_state(fleet: Fleet) -> dict:
    """The audited view of a fleet (JSON-safe)."""
    return {name: getattr(fleet, name) for name in FLEET_AUDIT_FIELDS}


def fleet_create(*, user, data: dict, request=None) -> Fleet:
    """CreateFleet with ``data`` (keys of :data:`FLEET_CREATABLE`; ``network_access_profile`` is a SID).

    Raises :class:`apps.supersim.errors.SuperSimError` (audited, nothing local written) when the API refuses.
    """
    from apps.audit.services import audit_api_failure, audit_record
    from apps.supersim.client import get_client
    from apps.supersim.errors import SuperSimError

    payload = {k: data[k] for k in FLEET_CREATABLE if k in data and data[k] is not None}
    try:
        answer = get_client().fleet_create(**payload)
    except SuperSimError as exc:
        audit_api_failure(
            exc=exc,
            action="fleet.create",
            user=user,
            object_type="fleet",
            object_repr=str(payload.get("unique_name") or ""),
            requested=payload,
            request=request,
        )
        raise
    fleet = fleet_from_api(data=answer)
    audit_record(
        action="fleet.create",
        user=user,
        obj=fleet,
        before=None,
        after=fleet_state(fleet),
        api_response=answer,
        request=request,
    )
    return fleet


def fleet_update(*, fleet: Fleet, user, data: dict, request=None) -> Fleet:
    """UpdateFleet with the fields of ``data`` that differ from the local row (no call when none does).

    ``data`` keys are those of :data:`FLEET_UPDATABLE`. Raises ``SuperSimError`` (audited, nothing local
    changes) when the API refuses.
    """
    from apps.audit.services import audit_api_failure, audit_record
    from apps.supersim.client import get_client
    from apps.supersim.errors import SuperSimError

    changes = {
        key: data[key]
        for key, attr in FLEET_UPDATABLE.items()
        if key in data and _differs(data[key], getattr(fleet, attr))
    }
    if not changes:
        return fleet
    before = fleet_state(fleet)
    try:
        answer = get_client().fleet_update(fleet.sid, **changes)
    except SuperSimError as exc:
        audit_api_failure(
            exc=exc,
            action="fleet.update",
            user=user,
            obj=fleet,
            requested=changes,
            request=request,
        )
        raise
    updated = fleet_from_api(data=answer)
    audit_record(
        action="fleet.update",
        user=user,
        obj=updated,
        before=before,
        after=fleet_state(updated),
        api_response=answer,
        request=request,
        message="changed: " + ", ".join(sorted(changes)),
    )
    return updated
