"""Sync write path for usage records: keyed by (group, group_key, granularity, period_start)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from apps.core.upsert import UpsertResult, bulk_upsert, parse_dt

from .choices import Granularity, UsageGroup
from .models import UsageRecord

USAGE_KEY = ("group", "group_key", "granularity", "period_start")


def usage_group(item: dict) -> tuple[str, str]:
    """(group, group_key) from the fields the API fills for the requested ``Group`` (most specific first)."""
    if item.get("sim_sid"):
        return UsageGroup.SIM.value, item["sim_sid"]
    if item.get("fleet_sid"):
        return UsageGroup.FLEET.value, item["fleet_sid"]
    if item.get("network_sid"):
        return UsageGroup.NETWORK.value, item["network_sid"]
    if item.get("iso_country"):
        return UsageGroup.ISO_COUNTRY.value, item["iso_country"]
    return UsageGroup.ACCOUNT.value, item.get("account_sid") or ""


def usage_granularity(start: datetime | None, end: datetime | None) -> str:
    """The API does not echo ``Granularity``: derive it from the period's length."""
    if start is None or end is None:
        return Granularity.ALL.value
    length = end - start
    if length <= timedelta(hours=1):
        return Granularity.HOUR.value
    if length <= timedelta(days=1):
        return Granularity.DAY.value
    return Granularity.ALL.value


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def usage_record_fields(item: dict, *, group: str | None = None, granularity: str | None = None) -> dict:
    period = item.get("period") or {}
    if not isinstance(period, dict):
        period = {}
    start = parse_dt(period.get("start_time"))
    end = parse_dt(period.get("end_time"))
    derived_group, group_key = usage_group(item)
    if group:  # the caller knows what it asked for
        field = {
            "sim": "sim_sid",
            "fleet": "fleet_sid",
            "network": "network_sid",
            "isoCountry": "iso_country",
            "account": "account_sid",
        }[group]
        group_key = item.get(field) or ""
    else:
        group = derived_group
    return {
        "raw": item,
        "group": group,
        "group_key": group_key,
        "granularity": granularity or usage_granularity(start, end),
        "period_start": start,
        "period_end": end,
        "account_sid": item.get("account_sid") or "",
        "data_upload": int(item.get("data_upload") or 0),
        "data_download": int(item.get("data_download") or 0),
        "data_total": int(item.get("data_total") or 0),
        "billed_unit": item.get("billed_unit") or "",
        "data_total_billed": _decimal(item.get("data_total_billed")),
    }


def usage_records_upsert(
    *,
    items: list[dict],
    run_id: int,
    now: datetime,
    group: str | None = None,
    granularity: str | None = None,
) -> UpsertResult:
    """Idempotent: re-syncing the same window updates the same rows. ``group``/``granularity`` may be
    passed when the caller knows the query parameters; otherwise they are derived from each item."""
    rows = [usage_record_fields(i, group=group, granularity=granularity) for i in items]
    rows = [r for r in rows if r["period_start"] is not None]
    return bulk_upsert(model=UsageRecord, rows=rows, run_id=run_id, now=now, key=USAGE_KEY)
