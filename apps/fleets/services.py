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


def fleets_upsert(*, items: list[dict], run_id: int, now: datetime) -> UpsertResult:
    return bulk_upsert(model=Fleet, rows=[fleet_fields(i) for i in items], run_id=run_id, now=now)


def fleets_sweep(*, run_id: int, now: datetime) -> int:
    return sweep(model=Fleet, run_id=run_id, now=now)


def fleet_from_api(*, data: dict) -> Fleet:
    return upsert_one(model=Fleet, row=fleet_fields(data), now=timezone.now())
