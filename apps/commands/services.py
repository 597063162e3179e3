"""Sync write path for SMS and IP commands (no sweep: command history is kept)."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from apps.core.upsert import UpsertResult, bulk_upsert, parse_dt, upsert_one

from .models import IpCommand, SmsCommand


def sms_command_fields(item: dict) -> dict:
    return {
        "sid": item["sid"],
        "raw": item,
        "account_sid": item.get("account_sid") or "",
        "sim_id": item.get("sim_sid") or None,
        "payload": item.get("payload") or "",
        "status": item.get("status") or "",
        "direction": item.get("direction") or "",
        "date_created": parse_dt(item.get("date_created")),
        "date_updated": parse_dt(item.get("date_updated")),
    }


def ip_command_fields(item: dict) -> dict:
    return {
        "sid": item["sid"],
        "raw": item,
        "account_sid": item.get("account_sid") or "",
        "sim_id": item.get("sim_sid") or None,
        "sim_iccid": item.get("sim_iccid") or "",
        "status": item.get("status") or "",
        "direction": item.get("direction") or "",
        "device_ip": item.get("device_ip") or "",
        "device_port": item.get("device_port"),
        "payload_type": item.get("payload_type") or "",
        "payload": item.get("payload") or "",
        "date_created": parse_dt(item.get("date_created")),
        "date_updated": parse_dt(item.get("date_updated")),
    }


def sms_commands_upsert(*, items: list[dict], run_id: int, now: datetime) -> UpsertResult:
    return bulk_upsert(model=SmsCommand, rows=[sms_command_fields(i) for i in items], run_id=run_id, now=now)


def ip_commands_upsert(*, items: list[dict], run_id: int, now: datetime) -> UpsertResult:
    return bulk_upsert(model=IpCommand, rows=[ip_command_fields(i) for i in items], run_id=run_id, now=now)


def sms_command_from_api(*, data: dict) -> SmsCommand:
    return upsert_one(model=SmsCommand, row=sms_command_fields(data), now=timezone.now())


def ip_command_from_api(*, data: dict) -> IpCommand:
    return upsert_one(model=IpCommand, row=ip_command_fields(data), now=timezone.now())
