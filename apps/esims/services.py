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


def esim_profiles_upsert(*, items: list[dict], run_id: int, now: datetime) -> UpsertResult:
    return bulk_upsert(
        model=EsimProfile, rows=[esim_profile_fields(i) for i in items], run_id=run_id, now=now
    )


def esim_profiles_sweep(*, run_id: int, now: datetime) -> int:
    return sweep(model=EsimProfile, run_id=run_id, now=now)


def esim_profile_from_api(*, data: dict) -> EsimProfile:
    return upsert_one(model=EsimProfile, row=esim_profile_fields(data), now=timezone.now())
