"""UsageRecords from deterministic synthetic usage, computed on the fly (nothing per hour is stored).

The model: every SIM whose status is ``active`` uses data on its ``home_network`` every hour. In the UTC hour
number ``h`` (hours since the Unix epoch) it uploads ``rate_up * w(h)`` and downloads ``rate_down * w(h)``
bytes, where ``rate_up``/``rate_down`` are per-SIM integers drawn by the seed (or at creation), and

    w(h) = DIURNAL[h % 24] + ((h * 2654435761) >> 13) % 3

is the same for all SIMs (a daily curve plus deterministic jitter). Usage is separable, so any aggregate is
``(sum of rates over the SIMs selected) * (sum of w over the hours of the bucket)``: group sums are one SQL
``SUM``/``GROUP BY`` over the Sim table, bucket weights are at most a few hundred Python additions. No hours
after "now" count. Billing: ``data_total_billed = data_total / 1e6 * PRICE_PER_MB`` USD.

Parameters and errors (400), as Twilio's error dictionary documents them:
- StartTime/EndTime ISO-8601; EndTime defaults to now, StartTime to one month before EndTime.
- 83600 a parameter failed validation: an unparseable StartTime/EndTime, StartTime not before EndTime,
  StartTime in the future, a bad Group/Granularity/Network;
- 83601 Granularity=day with a StartTime/EndTime given off midnight UTC; 83602 Granularity=hour with one
  given off the hour;
- 83603 Group=sim over more than 31 days;
- 83604 a window longer than its Granularity allows: all 18 months, day 3 months, hour 31 days;
- 83605 StartTime more than 18 months before the start of the current UTC day.
- sim_sid / fleet_sid / network_sid / iso_country are set only when grouped by, or filtered on, them.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta

from django.db.models import Sum

from . import api
from .api import ApiError, bad
from .models import Fleet, Network, Sim

DIURNAL = [2, 1, 1, 1, 1, 2, 3, 5, 7, 8, 8, 9, 9, 8, 8, 8, 8, 9, 10, 10, 9, 7, 5, 3]
PRICE_PER_MB = 0.10
HOUR = 3600
KEY_FACTOR = 100_000  # sim-group keyset token = sim_id * KEY_FACTOR + bucket index


def w(h: int) -> int:
    return DIURNAL[h % 24] + ((h * 2654435761) >> 13) % 3


def weight(start_ts: int, end_ts: int) -> int:
    """Sum of w over hours whose start lies in [start_ts, end_ts)."""
    first = -(-start_ts // HOUR)
    last = -(-end_ts // HOUR)  # exclusive
    return sum(w(h) for h in range(first, last))


def _parse(value: str, name: str) -> datetime:
    try:
        dt = datetime.fromisoformat(value.replace(" ", "+"))
    except ValueError:
        raise ApiError(
            400, api.USAGE_INVALID_PARAM, f"Invalid {name}: '{value}' is not an ISO 8601 date-time"
        )
    try:
        return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)
    except (OverflowError, ValueError):
        raise ApiError(400, api.USAGE_INVALID_PARAM, f"Invalid {name}: '{value}' is out of range")


def _add_months(dt: datetime, months: int) -> datetime:
    month = dt.month - 1 + months
    year, month = dt.year + month // 12, month % 12 + 1
    if not 1 <= year <= 9999:
        return datetime.max.replace(tzinfo=UTC) if months > 0 else datetime.min.replace(tzinfo=UTC)
    return dt.replace(year=year, month=month, day=min(dt.day, calendar.monthrange(year, month)[1]))


def _month_before(dt: datetime) -> datetime:
    return _add_months(dt, -1)


#: the longest window per Granularity (83604), in calendar months, or days for hour
WINDOW_MONTHS = {"all": 18, "day": 3}
HOUR_WINDOW_DAYS = 31
SIM_GROUP_DAYS = 31


def window(
    q, at: datetime, *, group: str | None = None, granularity: str = "all"
) -> tuple[datetime, datetime]:
    """The [StartTime, EndTime) of a UsageRecords request, checked as Twilio documents (see the module)."""
    end = _parse(q["EndTime"], "EndTime") if q.get("EndTime") else at
    start = _parse(q["StartTime"], "StartTime") if q.get("StartTime") else _month_before(end)
    if start >= end:
        raise ApiError(400, api.USAGE_INVALID_PARAM, "StartTime must be before EndTime")
    if start > at:
        raise ApiError(400, api.USAGE_INVALID_PARAM, "StartTime cannot be in the future")
    oldest = _add_months(at.replace(hour=0, minute=0, second=0, microsecond=0), -18)
    if start < oldest:
        raise ApiError(
            400,
            api.USAGE_TOO_OLD,
            f"StartTime parameter is too far in the past. It must be within the last 18 months "
            f"(not before {api.iso(oldest)})",
        )
    given = [(name, _parse(q[name], name)) for name in ("StartTime", "EndTime") if q.get(name)]
    if granularity == "day":
        for name, value in given:
            if (value.hour, value.minute, value.second, value.microsecond) != (0, 0, 0, 0):
                raise ApiError(
                    400, api.USAGE_NOT_DAY_ALIGNED, f"{name} must be aligned to a UTC day boundary (midnight)"
                )
    if granularity == "hour":
        for name, value in given:
            if (value.minute, value.second, value.microsecond) != (0, 0, 0):
                raise ApiError(
                    400, api.USAGE_NOT_HOUR_ALIGNED, f"{name} must be aligned to a UTC hour boundary"
                )
    if group == "sim" and end - start > timedelta(days=SIM_GROUP_DAYS):
        raise ApiError(
            400,
            api.USAGE_SIM_GROUP_TOO_LONG,
            f"The maximum allowed query period is {SIM_GROUP_DAYS} days for group by sim queries",
        )
    too_long = (
        end - start > timedelta(days=HOUR_WINDOW_DAYS)
        if granularity == "hour"
        else end > _add_months(start, WINDOW_MONTHS[granularity])
    )
    if too_long:
        limit = (
            f"{HOUR_WINDOW_DAYS} days" if granularity == "hour" else f"{WINDOW_MONTHS[granularity]} months"
        )
        raise ApiError(
            400,
            api.USAGE_WINDOW_TOO_LONG,
            f"The requested query period exceeds the maximum allowed period for Granularity={granularity} "
            f"({limit})",
        )
    return start, end


def buckets(start: datetime, end: datetime, granularity: str, at: datetime) -> list[tuple]:
    """[(period_start, period_end, weight)]."""
    s, e, cap = int(start.timestamp()), int(end.timestamp()), int(at.timestamp())
    if granularity == "all":
        edges = [(s, e)]
    else:
        size = HOUR if granularity == "hour" else 86400
        edges, t = [], s - s % size
        while t < e:
            edges.append((max(t, s), min(t + size, e)))
            t += size
    out = []
    for a, b in edges:
        out.append(
            (
                datetime.fromtimestamp(a, UTC),
                datetime.fromtimestamp(b, UTC),
                weight(a, min(b, cap + 1)) if a <= cap else 0,
            )
        )
    return out


def record(period, up_rate: int, down_rate: int, dims: dict) -> dict:
    start, end, wt = period
    up, down = up_rate * wt, down_rate * wt
    total = up + down
    return {
        "account_sid": api.account_sid(),
        "sim_sid": dims.get("sim_sid"),
        "network_sid": dims.get("network_sid"),
        "fleet_sid": dims.get("fleet_sid"),
        "iso_country": dims.get("iso_country"),
        "period": {"start_time": api.iso(start), "end_time": api.iso(end)},
        "data_upload": up,
        "data_download": down,
        "data_total": total,
        "data_total_billed": round(total / 1_000_000 * PRICE_PER_MB, 6),
        "billed_unit": "USD",
    }


def list_usage(request, paging):
    """Returns (records, next_token, prev_token, filters)."""
    q = request.GET
    try:
        group = api.p_enum(q, "Group", ["sim", "fleet", "network", "isoCountry"])
        granularity = api.p_enum(q, "Granularity", ["hour", "day", "all"]) or "all"
    except ApiError as exc:
        raise bad(exc.message, api.USAGE_INVALID_PARAM)
    network_sid = api.p_str(q, "Network")
    if network_sid is not None and not api.is_sid(network_sid, "HW"):
        raise bad(
            f"Invalid Network: '{network_sid}' must be a SID matching ^HW[0-9a-fA-F]{{32}}$",
            api.USAGE_INVALID_PARAM,
        )
    at = api.now()
    start, end = window(q, at, group=group, granularity=granularity)
    filters = {k: q.get(k) for k in ("Sim", "Fleet", "Network", "IsoCountry", "Group", "Granularity")}
    filters.update(StartTime=q.get("StartTime"), EndTime=q.get("EndTime"))

    sims = Sim.objects.filter(status="active", home_network__isnull=False)
    dims: dict = {}
    empty = False
    if q.get("Sim"):
        row = Sim.objects.filter(sid=q["Sim"]).values("id", "sid").first() or (
            Sim.objects.filter(unique_name=q["Sim"]).values("id", "sid").first()
        )
        empty |= row is None
        sims = sims.filter(id=row["id"]) if row else sims.none()
        dims["sim_sid"] = row["sid"] if row else None
    if q.get("Fleet"):
        row = Fleet.objects.filter(sid=q["Fleet"]).values("id", "sid").first() or (
            Fleet.objects.filter(unique_name=q["Fleet"]).values("id", "sid").first()
        )
        empty |= row is None
        sims = sims.filter(fleet_id=row["id"]) if row else sims.none()
        dims["fleet_sid"] = row["sid"] if row else None
    if network_sid:
        exists = Network.objects.filter(sid=network_sid).exists()
        empty |= not exists
        sims = sims.filter(home_network__sid=network_sid)
        dims["network_sid"] = network_sid
    if q.get("IsoCountry"):
        sims = sims.filter(home_network__iso_country=q["IsoCountry"].upper())
        dims["iso_country"] = q["IsoCountry"].upper()
    periods = buckets(start, end, granularity, at)
    nb = len(periods)
    if empty:
        return [], None, None, filters

    if group == "sim":
        return (*_sim_group_page(sims, periods, nb, paging, dims), filters)
    if group is None:
        sums = sims.aggregate(up=Sum("rate_up"), down=Sum("rate_down"))
        items = [record(p, sums["up"] or 0, sums["down"] or 0, dims) for p in periods]
        return (*api.offset_page(items, paging), filters)
    field, dim = {
        "fleet": ("fleet__sid", "fleet_sid"),
        "network": ("home_network__sid", "network_sid"),
        "isoCountry": ("home_network__iso_country", "iso_country"),
    }[group]
    rows = sims.values(field).annotate(up=Sum("rate_up"), down=Sum("rate_down")).order_by(field)
    items = [
        record(p, r["up"] or 0, r["down"] or 0, {**dims, dim: r[field]})
        for r in rows
        if r[field] is not None
        for p in periods
    ]
    return (*api.offset_page(items, paging), filters)


def _sim_group_page(sims, periods, nb, paging, dims):
    size = paging.size
    if paging.kind == "PA":
        last_sim, last_bucket = divmod(paging.value, KEY_FACTOR)
        first_bucket = last_bucket + 1
        base = sims.filter(id__gte=last_sim) if first_bucket < nb else sims.filter(id__gt=last_sim)
        first_bucket = first_bucket if first_bucket < nb else 0
        offset_sims = 0
    else:
        offset = paging.value if paging.kind == "PO" else paging.page * size
        offset_sims, first_bucket = divmod(offset, nb)
        base = sims
    need = (first_bucket + size + 1) // nb + 2
    rows = list(
        base.order_by("id").values("id", "sid", "rate_up", "rate_down")[offset_sims : offset_sims + need]
    )
    items, keys = [], []
    for i, r in enumerate(rows):
        for b in range(first_bucket if i == 0 else 0, nb):
            items.append(record(periods[b], r["rate_up"], r["rate_down"], {**dims, "sim_sid": r["sid"]}))
            keys.append(r["id"] * KEY_FACTOR + b)
            if len(items) > size:
                break
        if len(items) > size:
            break
    more = len(items) > size
    items = items[:size]
    next_token = f"PA{keys[size - 1]}" if more else None
    prev_token = f"PO{max((paging.page - 1) * size, 0)}" if paging.page > 0 else None
    return items, next_token, prev_token
