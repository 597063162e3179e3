"""Sync write path for eSIM profiles: API JSON -> field dicts -> bulk upsert."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from apps.core.upsert import UpsertResult, bulk_upsert, parse_dt, sweep, upsert_one

from .models import EsimProfile


def esim_profile_fields(item: dict) -> dict:
    return {
        "sid": item["sid"],
        "raw": item,
        "account_sid": item.get("account_sid") or "",
        "iccid": item.get("iccid") or "",
        "sim_id": item.get("sim_sid") or None,
        "status": item.get("status") or "",
        "eid": item.get("eid") or "",
        "smdp_plus_address": item.get("smdp_plus_address") or "",
        "matching_id": item.get("matching_id") or "",
        "activation_code": item.get("activation_code") or "",
        "error_code": str(item.get("error_code") or ""),
        "error_message": item.get("error_message") or "",
        "date_created": parse_dt(item.get("date_created")),
        "date_updated": parse_dt(item.get("date_updated")),
    }


def esim_profiles_upsert(
    *, items: list[dict], run_id: int, now: datetime, seen: set | None = None
) -> UpsertResult:
    rows = [esim_profile_fields(i) for i in items]
    return bulk_upsert(model=EsimProfile, rows=rows, run_id=run_id, now=now, seen=seen)


def esim_profiles_sweep(*, run_id: int, now: datetime, seen: set | None = None) -> int:
    return sweep(model=EsimProfile, run_id=run_id, now=now, seen=seen)


def esim_profile_from_api(*, data: dict) -> EsimProfile:
    return upsert_one(model=EsimProfile, row=esim_profile_fields(data), now=timezone.now())


# === write services for the eSIM pages (API first, then local from the API's answer, then audit) =========
def esim_profile_state(profile: EsimProfile) -> dict:
    return {
        "sid": profile.sid,
        "status": profile.status,
        "eid": profile.eid,
        "iccid": profile.iccid,
        "matching_id": profile.matching_id,
        "sim_sid": profile.sim_id or "",
    }


def esim_status_callback_url(*, request=None) -> str | None:
    """``<PUBLIC_BASE_URL or the request's host>/webhooks/esim-status/`` (None when neither is known)."""
    from django.conf import settings
    from django.urls import reverse

    root = settings.PUBLIC_BASE_URL or (request.build_absolute_uri("/") if request else "")
    return f"{root.rstrip('/')}{reverse('webhooks:esim_status')}" if root else None


def esim_profile_create(
    *, eid: str = "", generate_matching_id: bool | None = None, user, request=None
) -> EsimProfile:
    """CreateESimProfile (for a device's EID, or with a generated matching ID); raises SuperSimError.

    The status callback points at our webhook, so the status also moves without the page polling."""
    from apps.audit.services import audit_api_failure, audit_record
    from apps.supersim.client import get_client
    from apps.supersim.errors import SuperSimError

    asked = {"eid": eid, "generate_matching_id": generate_matching_id}
    callback_url = esim_status_callback_url(request=request)
    try:
        data = get_client().esim_profile_create(
            eid=eid or None,
            generate_matching_id=generate_matching_id,
            callback_url=callback_url,
            callback_method="POST" if callback_url else None,
        )
    except SuperSimError as exc:
        audit_api_failure(
            exc=exc,
            action="esim_profile.create",
            user=user,
            object_type="esimprofile",
            object_repr=eid or "matching ID",
            requested=asked,
            request=request,
        )
        raise
    profile = esim_profile_from_api(data=data)
    audit_record(
        action="esim_profile.create",
        user=user,
        obj=profile,
        after=esim_profile_state(profile),
        api_response=data,
        request=request,
    )
    return profile


def esim_profile_refresh(*, profile: EsimProfile) -> EsimProfile:
    """Fetch one profile from the API and update the local row (a read: no audit entry).

    Used while a profile is being reserved (its status page polls); raises SuperSimError.
    """
    from apps.supersim.client import get_client

    return esim_profile_from_api(data=get_client().esim_profile_fetch(profile.sid))
