"""Sync write path for SIMs, billing periods, IP addresses and settings updates."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from apps.core.upsert import IN_CHUNK, UpsertResult, bulk_upsert, parse_dt, sweep, upsert_one

from .models import BillingPeriod, SettingsUpdate, Sim, SimIpAddress


def sim_fields(item: dict) -> dict:
    return {
        "sid": item["sid"],
        "raw": item,
        "unique_name": item.get("unique_name") or "",
        "account_sid": item.get("account_sid") or "",
        "iccid": item.get("iccid") or "",
        "status": item.get("status") or "",
        "fleet_id": item.get("fleet_sid") or None,
        "date_created": parse_dt(item.get("date_created")),
        "date_updated": parse_dt(item.get("date_updated")),
    }


def billing_period_fields(item: dict, *, sim_sid: str | None = None) -> dict:
    return {
        "sid": item["sid"],
        "raw": item,
        "sim_id": sim_sid or item.get("sim_sid") or None,
        "account_sid": item.get("account_sid") or "",
        "start_time": parse_dt(item.get("start_time")),
        "end_time": parse_dt(item.get("end_time")),
        "period_type": item.get("period_type") or "",
        "date_created": parse_dt(item.get("date_created")),
        "date_updated": parse_dt(item.get("date_updated")),
    }


def settings_update_fields(item: dict) -> dict:
    return {
        "sid": item["sid"],
        "raw": item,
        "iccid": item.get("iccid") or "",
        "sim_id": item.get("sim_sid") or None,
        "status": item.get("status") or "",
        "packages": list(item.get("packages") or []),
        "date_completed": parse_dt(item.get("date_completed")),
        "date_created": parse_dt(item.get("date_created")),
        "date_updated": parse_dt(item.get("date_updated")),
    }


# --- SIMs -------------------------------------------------------------------------------------------------
def sims_upsert(*, items: list[dict], run_id: int, now: datetime) -> UpsertResult:
    return bulk_upsert(model=Sim, rows=[sim_fields(i) for i in items], run_id=run_id, now=now)


def sims_sweep(*, run_id: int, now: datetime) -> int:
    return sweep(model=Sim, run_id=run_id, now=now)


def sim_from_api(*, data: dict) -> Sim:
    return upsert_one(model=Sim, row=sim_fields(data), now=timezone.now())


# --- billing periods (per SIM) ----------------------------------------------------------------------------
def billing_periods_upsert(*, sim_sid: str, items: list[dict], run_id: int, now: datetime) -> UpsertResult:
    rows = [billing_period_fields(i, sim_sid=sim_sid) for i in items]
    return bulk_upsert(model=BillingPeriod, rows=rows, run_id=run_id, now=now)


def billing_periods_sweep(*, sim_sid: str, run_id: int, now: datetime) -> int:
    return sweep(model=BillingPeriod, run_id=run_id, now=now, sim_id=sim_sid)


def billing_period_from_api(*, data: dict) -> BillingPeriod:
    return upsert_one(model=BillingPeriod, row=billing_period_fields(data), now=timezone.now())


# --- IP addresses (per SIM; the API's list is the SIM's whole current set) ---------------------------------
def sim_ip_addresses_upsert(*, sim_sid: str, items: list[dict], run_id: int, now: datetime) -> UpsertResult:
    """Replace the SIM's set of IP addresses with ``items`` (addresses no longer listed are deleted:
    they are transient state, not a resource with a history). Counts: new = created, kept = unchanged,
    kept with a different version = updated."""
    result = UpsertResult()
    wanted: dict[str, dict] = {}
    for item in items:
        ip = item.get("ip_address")
        if ip:
            wanted[ip] = item
    with transaction.atomic():
        existing = dict(
            SimIpAddress.objects.filter(sim_id=sim_sid).values_list("ip_address", "ip_address_version")
        )
        gone = [ip for ip in existing if ip not in wanted]
        for i in range(0, len(gone), IN_CHUNK):
            SimIpAddress.objects.filter(sim_id=sim_sid, ip_address__in=gone[i : i + IN_CHUNK]).delete()
        objs = []
        for ip, item in wanted.items():
            version = item.get("ip_address_version") or ""
            if ip not in existing:
                result.created += 1
            elif existing[ip] != version:
                result.updated += 1
            else:
                result.unchanged += 1
            objs.append(
                SimIpAddress(
                    sim_id=sim_sid, ip_address=ip, ip_address_version=version, raw=item, synced_at=now
                )
            )
        if objs:
            SimIpAddress.objects.bulk_create(
                objs,
                update_conflicts=True,
                unique_fields=["sim", "ip_address"],
                update_fields=["ip_address_version", "raw", "synced_at"],
            )
    return result


# --- settings updates -------------------------------------------------------------------------------------
def settings_updates_upsert(*, items: list[dict], run_id: int, now: datetime) -> UpsertResult:
    return bulk_upsert(
        model=SettingsUpdate, rows=[settings_update_fields(i) for i in items], run_id=run_id, now=now
    )


def settings_updates_sweep(*, run_id: int, now: datetime) -> int:
    return sweep(model=SettingsUpdate, run_id=run_id, now=now)


def settings_update_from_api(*, data: dict) -> SettingsUpdate:
    return upsert_one(model=SettingsUpdate, row=settings_update_fields(data), now=timezone.now())
