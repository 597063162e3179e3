"""Sync write path for usage records: keyed by (group, group_key, granularity, period_start)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.db import connection, transaction
from django.db.models import Max, Min

from apps.core.upsert import UpsertResult, bulk_upsert, parse_dt

from .choices import Granularity, UsageGroup
from .models import UsageRecord, UsageRollup

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


# --- rollups ------------------------------------------------------------------------------------------------
def _month_start(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _next_month(value: datetime) -> datetime:
    return (value.replace(day=28) + timedelta(days=4)).replace(day=1)


def month_slices(start: datetime, end: datetime) -> list[tuple[datetime, datetime, datetime]]:
    """``[(month, slice_start, slice_end)]``: [start, end) cut at UTC month boundaries."""
    out = []
    month = _month_start(start)
    while month < end:
        following = _next_month(month)
        out.append((month, max(start, month), min(end, following)))
        month = following
    return out


_ROLLUP_COLUMNS = (
    '"group", group_key, period, period_start, records, data_upload, data_download, data_total, '
    "data_total_billed, billed_unit"
)


def _rollup_copy(cursor, *, group: str, granularity: str, start: datetime, end: datetime) -> None:
    """Rollup rows of ``period = granularity`` in [start, end) := a copy of the raw records there."""
    R, U = UsageRollup._meta.db_table, UsageRecord._meta.db_table
    a, b = _adapt(start), _adapt(end)
    cursor.execute(
        f'DELETE FROM {R} WHERE "group" = %s AND period = %s AND period_start >= %s AND period_start < %s',  # noqa: S608 - table names from the models, values bound
        [group, granularity, a, b],
    )
    cursor.execute(
        f"INSERT INTO {R} ({_ROLLUP_COLUMNS}) "  # noqa: S608 - table names from the models, values bound
        'SELECT "group", group_key, granularity, period_start, 1, data_upload, data_download, data_total, '
        f"COALESCE(data_total_billed, 0), billed_unit FROM {U} "
        'WHERE "group" = %s AND granularity = %s AND period_start >= %s AND period_start < %s',
        [group, granularity, a, b],
    )


def _rollup_month_add(cursor, *, group: str, month: datetime, start: datetime, end: datetime, sign: int):
    """Add (``sign`` 1) or take away (-1) the daily rollup rows of [start, end) to/from the month's rows."""
    R = UsageRollup._meta.db_table
    s = "" if sign > 0 else "-"
    cursor.execute(
        f"INSERT INTO {R} ({_ROLLUP_COLUMNS}) "  # noqa: S608 - table names from the models, values bound
        f"SELECT \"group\", group_key, 'month', %s, {s}COUNT(*), {s}SUM(data_upload), {s}SUM(data_download), "
        f"{s}SUM(data_total), {s}SUM(data_total_billed), MAX(billed_unit) FROM {R} "
        "WHERE \"group\" = %s AND period = 'day' AND period_start >= %s AND period_start < %s "
        'GROUP BY "group", group_key '
        """ON CONFLICT ("group", group_key, period, period_start) DO UPDATE SET """
        f"records = {R}.records + excluded.records, "
        f"data_upload = {R}.data_upload + excluded.data_upload, "
        f"data_download = {R}.data_download + excluded.data_download, "
        f"data_total = {R}.data_total + excluded.data_total, "
        f"data_total_billed = {R}.data_total_billed + excluded.data_total_billed, "
        f"billed_unit = CASE WHEN excluded.billed_unit > {R}.billed_unit THEN excluded.billed_unit "
        f"ELSE {R}.billed_unit END",
        [_adapt(month), group, _adapt(start), _adapt(end)],
    )
    if sign < 0:
        return
    cursor.execute(
        f"DELETE FROM {R} WHERE \"group\" = %s AND period = 'month' AND period_start = %s AND records <= 0",  # noqa: S608 - table names from the models, values bound
        [group, _adapt(month)],
    )


def _adapt(value: datetime):
    return connection.ops.adapt_datetimefield_value(value)


def usage_rollups_rebuild(
    *,
    group: str | None = None,
    granularity: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> None:
    """Make the rollups of [start, end) equal to the raw records there, for ``group`` (default: every
    group) and ``granularity`` (``hour`` / ``day``; default both): the hourly and daily rows become copies of
    the raw ones, and each month the window touches gets the difference between the old and the new daily
    rows (so a month is never re-summed from scratch). Without ``start``/``end``: everything the raw records
    cover. One transaction (the sync calls it right after writing a window's records: a crash before it
    fails the run, and the next run's window covers the same days again). ``start``/``end`` of a ``day``
    rebuild are floored to UTC days."""
    groups = [group] if group else [g.value for g in UsageGroup]
    grans = [granularity] if granularity else [Granularity.HOUR.value, Granularity.DAY.value]
    with transaction.atomic(), connection.cursor() as cursor:
        for g in groups:
            for gran in grans:
                a, b = start, end
                if a is None or b is None:
                    span = UsageRecord.objects.filter(group=g, granularity=gran).aggregate(
                        lo=Min("period_start"), hi=Max("period_start")
                    )
                    if span["lo"] is None:
                        UsageRollup.objects.filter(group=g, period=gran).delete()
                        if gran == Granularity.DAY:
                            UsageRollup.objects.filter(group=g, period="month").delete()
                        continue
                    a = a or span["lo"]
                    b = b or span["hi"] + timedelta(seconds=1)
                if gran == Granularity.HOUR:
                    _rollup_copy(cursor, group=g, granularity=gran, start=a, end=b)
                    continue
                a = _floor_day(a)
                b = _floor_day(b) if _floor_day(b) == b else _floor_day(b) + timedelta(days=1)
                for month, s, e in month_slices(a, b):
                    _rollup_month_add(cursor, group=g, month=month, start=s, end=e, sign=-1)
                    _rollup_copy(cursor, group=g, granularity=gran, start=s, end=e)
                    _rollup_month_add(cursor, group=g, month=month, start=s, end=e, sign=1)


def _floor_day(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
