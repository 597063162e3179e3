"""Reads of usage data: every chart reads LOCAL rollups (``UsageRollup``), never the raw UsageRecords.

What the sync stores (see ``apps.sync.services.usage_queries``): Group=sim daily; account, fleet, network
and isoCountry daily, plus hourly for the last couple of days. So:

* ``day``   -> the daily records of the group;
* ``month`` -> the month rollups (a month the window cuts: its daily rows in the window);
* ``hour``  -> the hourly records (not kept for single SIMs: the answer says so in ``note``).

A window is read as the rollup rows that sum to exactly its daily data (:func:`rollup_pieces`): whole
months from month rows, the days at its edges from daily rows. The month's top SIMs is an index scan.

Aggregates over many SIMs (top SIMs, a fleet's SIMs near their limit) are cached per *data version*: the id
of the last finished usage sync run, so a new sync makes every cached answer stale at once.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import F, Max, Q, Sum
from django.utils import timezone

from apps.core.cache import cached_value

from .choices import Granularity, UsageGroup
from .models import UsageRecord, UsageRollup
from .services import month_slices

logger = logging.getLogger(__name__)

#: chart granularities offered to users (``month`` is derived from daily records)
CHART_GRANULARITIES = [("hour", "Hourly"), ("day", "Daily"), ("month", "Monthly")]
MB = 1_000_000  # Fleet.data_limit is in megabytes (decimal, like billing)


def warning_percent() -> float:
    return float(settings.USAGE_WARNING_PERCENT)


def cache_seconds() -> int:
    return int(settings.USAGE_CACHE_SECONDS)


# --- data version (cache key) -----------------------------------------------------------------------------
def usage_data_version() -> str:
    """Changes whenever a usage sync finishes (or records are written outside a sync run)."""
    from apps.sync.models import SyncRun

    last = (
        SyncRun.objects.filter(resource="usage", status__in=SyncRun.FINAL)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    newest = UsageRecord.objects.aggregate(m=Max("id"))["m"]  # the primary key index: one probe
    return f"{last or 0}.{newest or 0}"


def _cached(name: str, parts: tuple, compute):
    """``compute()`` through the cache under the usage data version (computed when the cache is down)."""
    key_src = "|".join(str(p) for p in parts)
    key = f"usage:{name}:{usage_data_version()}:{hashlib.sha256(key_src.encode()).hexdigest()[:32]}"
    return cached_value(key, compute, cache_seconds())


# --- windows ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Window:
    start: datetime  # inclusive
    end: datetime  # exclusive

    @classmethod
    def last_days(cls, days: int, *, now: datetime | None = None) -> Window:
        now = (now or timezone.now()).astimezone(UTC)
        end = now.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
        return cls(end - timedelta(days=days), end)


def rollup_pieces(window: Window, *, now: datetime | None = None) -> list[tuple[str, datetime, datetime]]:
    """``[(period, start, end)]``: the rollup rows (``month`` or ``day``) that hold exactly the daily data of
    ``window``. A month counts as whole when the window covers it up to its end or up to the end of today
    (no usage lies in the future)."""
    today_end = (now or timezone.now()).astimezone(UTC).replace(
        hour=0, minute=0, second=0, microsecond=0
    ) + timedelta(days=1)
    pieces: list[tuple[str, datetime, datetime]] = []
    for month, start, end in month_slices(window.start, window.end):
        following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
        if start == month and (end == following or end >= today_end):
            pieces.append(("month", month, following))
        elif pieces and pieces[-1][0] == "day" and pieces[-1][2] == start:
            pieces[-1] = ("day", pieces[-1][1], end)
        else:
            pieces.append(("day", start, end))
    return pieces


def _pieces_q(pieces) -> Q:
    q = Q(pk__in=[])
    months = [start for period, start, _ in pieces if period == "month"]
    if months:
        q |= Q(period="month", period_start__in=months)
    for period, start, end in pieces:
        if period == "day":
            q |= Q(period="day", period_start__gte=start, period_start__lt=end)
    return q


def _rollups(group: str, period: str, window: Window, key: str | None):
    """Rollup rows of one ``period`` (hour / day) inside ``window``."""
    qs = UsageRollup.objects.filter(
        group=group, period=period, period_start__gte=window.start, period_start__lt=window.end
    )
    if key and group != UsageGroup.ACCOUNT:
        qs = qs.filter(group_key=key)
    return qs


def _window_rollups(group: str, window: Window, key: str | None):
    """The rollup rows whose sum is the daily data of ``window`` (see :func:`rollup_pieces`)."""
    qs = UsageRollup.objects.filter(_pieces_q(rollup_pieces(window)), group=group)
    if key and group != UsageGroup.ACCOUNT:
        qs = qs.filter(group_key=key)
    return qs


def _num(value) -> int:
    return int(value or 0)


def _money(value) -> float:
    return float(value or Decimal(0))


# --- the time series ---------------------------------------------------------------------------------------
def usage_series(*, group: str, key: str | None, granularity: str, window: Window) -> dict:
    """Upload/download/total bytes and billed amount per period, oldest first, for one group member.

    ``group``: account / sim / fleet / network / isoCountry; ``granularity``: hour / day / month.
    Returns ``{"points": [{"period", "upload", "download", "total", "billed"}], "currency", "totals",
    "note"}``. One indexed query (a few hundred rows at most).
    """
    note = ""
    if granularity == "hour" and group == UsageGroup.SIM:
        note = "Hourly usage is not kept per SIM (daily only); showing daily data."
        granularity = Granularity.DAY
    sums = {
        "upload": Sum("data_upload"),
        "download": Sum("data_download"),
        "total": Sum("data_total"),
        "billed": Sum("data_total_billed"),
        "unit": Max("billed_unit"),
    }
    if granularity == "month":
        # whole months are one row each; a month the window cuts is its daily rows (summed here: a few)
        by_month: dict[datetime, dict] = {}
        for row in _window_rollups(group, window, key).values(
            "period_start", "data_upload", "data_download", "data_total", "data_total_billed", "billed_unit"
        ):
            month = row["period_start"].astimezone(UTC).replace(day=1, hour=0, minute=0, second=0)
            acc = by_month.setdefault(
                month, {"period": month, "upload": 0, "download": 0, "total": 0, "billed": 0, "unit": ""}
            )
            acc["upload"] += row["data_upload"]
            acc["download"] += row["data_download"]
            acc["total"] += row["data_total"]
            acc["billed"] += row["data_total_billed"] or 0
            acc["unit"] = max(acc["unit"], row["billed_unit"] or "")
        rows = [by_month[m] for m in sorted(by_month)]
    else:
        source = Granularity.HOUR if granularity == "hour" else Granularity.DAY
        qs = _rollups(group, source, window, key)
        rows = qs.order_by().values("period_start").annotate(**sums).order_by("period_start")
    points = []
    currency = ""
    for row in rows:
        period = row.get("period") or row.get("period_start")
        currency = currency or (row["unit"] or "")
        points.append(
            {
                "period": period.astimezone(UTC).isoformat().replace("+00:00", "Z"),
                "upload": _num(row["upload"]),
                "download": _num(row["download"]),
                "total": _num(row["total"]),
                "billed": round(_money(row["billed"]), 6),
            }
        )
    totals = {name: sum(p[name] for p in points) for name in ("upload", "download", "total")} | {
        "billed": round(sum(p["billed"] for p in points), 6)
    }
    if not points and not note:
        note = "No usage records in this window (has the usage sync run?)."
    return {
        "granularity": granularity,
        "points": points,
        "currency": currency,
        "totals": totals,
        "note": note,
    }


# --- breakdowns --------------------------------------------------------------------------------------------
def _labels(group: str, keys: list[str]) -> dict[str, dict]:
    """Display name and URL of each group member (one query)."""
    out: dict[str, dict] = {}
    if group == UsageGroup.SIM:
        from apps.sims.models import Sim

        for sim in Sim.objects.filter(sid__in=keys).only("sid", "unique_name", "iccid", "fleet_id"):
            out[sim.sid] = {"label": str(sim), "url": sim.get_absolute_url(), "fleet": sim.fleet_id or ""}
    elif group == UsageGroup.NETWORK:
        from apps.networks.models import Network

        for net in Network.objects.filter(sid__in=keys).only("sid", "friendly_name", "iso_country"):
            label = f"{net.friendly_name} ({net.iso_country})" if net.iso_country else net.friendly_name
            out[net.sid] = {"label": label or net.sid, "url": net.get_absolute_url()}
    elif group == UsageGroup.FLEET:
        from apps.fleets.models import Fleet

        for fleet in Fleet.objects.filter(sid__in=keys).only("sid", "unique_name"):
            out[fleet.sid] = {"label": fleet.unique_name or fleet.sid, "url": fleet.get_absolute_url()}
    elif group == UsageGroup.ISO_COUNTRY:
        for key in keys:
            out[key] = {"label": country_name(key), "url": ""}
    return out


def country_name(code: str) -> str:
    try:
        import pycountry

        country = pycountry.countries.get(alpha_2=code.upper())
    except (ImportError, LookupError, AttributeError):
        country = None
    return f"{country.name} ({code})" if country else code


#: what the sync keeps: usage per SIM, per fleet, per network and per country, each on its own (no record
#: says how a fleet's usage splits over countries). A breakdown of a scope is made of the records that
#: belong to that scope and nothing else; where none do, the answer says so (``note``) and lists nothing.
GROUP_NAMES = {
    UsageGroup.ACCOUNT: "account",
    UsageGroup.SIM: "SIM",
    UsageGroup.FLEET: "fleet",
    UsageGroup.NETWORK: "network",
    UsageGroup.ISO_COUNTRY: "country",
}


def _scoped_records(*, group: str, scope: str, key: str | None, window: Window):
    """The rollup rows of ``group`` in ``window`` that belong to ``scope`` = ``key``, or None when the local
    data cannot tell (e.g. countries of a fleet). SIMs of a fleet are the fleet's SIMs now."""
    qs = _window_rollups(group, window, None)
    if scope == UsageGroup.ACCOUNT or not key:
        return qs
    if scope == group:
        return qs.filter(group_key=key)
    if scope == UsageGroup.FLEET and group == UsageGroup.SIM:
        from apps.sims.models import Sim

        return qs.filter(group_key__in=Sim.objects.filter(fleet_id=key).values("sid"))
    if scope == UsageGroup.ISO_COUNTRY and group == UsageGroup.NETWORK:
        from apps.networks.models import Network

        return qs.filter(group_key__in=Network.objects.filter(iso_country__iexact=key).values("sid"))
    if scope == UsageGroup.NETWORK and group == UsageGroup.ISO_COUNTRY:
        return None  # handled by _network_country: a network's usage is all in its one country
    return None


def _network_country(*, key: str, window: Window):
    """The one country of network ``key`` with the network's own usage (rows shaped like the aggregate's)."""
    from apps.networks.models import Network

    country = Network.objects.filter(sid=key).values_list("iso_country", flat=True).first()
    if not country:
        return None
    agg = _window_rollups(UsageGroup.NETWORK, window, key).aggregate(
        upload=Sum("data_upload"),
        download=Sum("data_download"),
        total=Sum("data_total"),
        billed=Sum("data_total_billed"),
        unit=Max("billed_unit"),
    )
    return [{"group_key": country.upper(), **agg}] if agg["total"] is not None else []


def usage_breakdown(
    *,
    group: str,
    window: Window,
    limit: int = 10,
    scope: str = UsageGroup.ACCOUNT,
    key: str | None = None,
    scope_fleet: str | None = None,
) -> dict:
    """The ``limit`` members of ``group`` that used the most data in ``window`` (daily records) within
    ``scope`` = ``key`` (account: everything; a fleet's SIMs, one SIM, a country's networks, a network's
    country, ...), with their upload/download/total/billed, most data first, ties by key. ``scope_fleet``
    is short for ``scope="fleet", key=scope_fleet``. When the local records cannot split this scope by
    ``group`` (a fleet by country, say), ``items`` is empty and ``note`` says why. Top SIMs over 100k SIMs is
    heavy: cached per data version."""
    if scope_fleet:
        scope, key = UsageGroup.FLEET, scope_fleet
    scope = scope or UsageGroup.ACCOUNT
    if scope == UsageGroup.ACCOUNT:
        key = None

    def compute() -> dict:
        note = ""
        if scope == UsageGroup.NETWORK and group == UsageGroup.ISO_COUNTRY:
            rows = _network_country(key=key or "", window=window) or []
        else:
            qs = _scoped_records(group=group, scope=scope, key=key, window=window)
            if qs is None:
                rows = []
                note = (
                    f"Usage by {GROUP_NAMES.get(group, group)} is not known for one "
                    f"{GROUP_NAMES.get(scope, scope)}: the sync keeps usage per SIM, fleet, network and "
                    "country, each on its own."
                )
            elif len(rollup_pieces(window)) == 1 and rollup_pieces(window)[0][0] == "month":
                # one month: one row per member, read in index order (no aggregate)
                rows = list(
                    qs.order_by("-data_total", "group_key").values(
                        "group_key",
                        upload=F("data_upload"),
                        download=F("data_download"),
                        total=F("data_total"),
                        billed=F("data_total_billed"),
                        unit=F("billed_unit"),
                    )[:limit]
                )
            else:
                rows = list(
                    qs.order_by()
                    .values("group_key")
                    .annotate(
                        upload=Sum("data_upload"),
                        download=Sum("data_download"),
                        total=Sum("data_total"),
                        billed=Sum("data_total_billed"),
                        unit=Max("billed_unit"),
                    )
                    .order_by("-total", "group_key")[:limit]
                )
        labels = _labels(group, [r["group_key"] for r in rows])
        items = []
        currency = ""
        for r in rows:
            info = labels.get(r["group_key"], {"label": r["group_key"], "url": ""})
            currency = currency or (r["unit"] or "")
            items.append(
                {
                    "key": r["group_key"],
                    "label": info["label"],
                    "url": info["url"],
                    "upload": _num(r["upload"]),
                    "download": _num(r["download"]),
                    "total": _num(r["total"]),
                    "billed": round(_money(r["billed"]), 6),
                }
            )
        return {"group": group, "items": items, "currency": currency, "note": note}

    if group == UsageGroup.SIM:
        return _cached("breakdown", (group, window.start, window.end, limit, scope, key), compute)
    return compute()


def usage_total(*, window: Window) -> dict:
    """Account-wide total over a window: daily account records, or hourly ones for windows shorter than
    two days (the last 24 hours)."""
    hourly = window.end - window.start < timedelta(days=2)
    if hourly:
        qs = _rollups(UsageGroup.ACCOUNT, Granularity.HOUR, window, None)
    else:
        qs = _window_rollups(UsageGroup.ACCOUNT, window, None)
    agg = qs.aggregate(total=Sum("data_total"), billed=Sum("data_total_billed"), unit=Max("billed_unit"))
    return {"total": _num(agg["total"]), "billed": _money(agg["billed"]), "currency": agg["unit"] or ""}


# --- per SIM and per fleet: usage in the current period against the fleet's data limit --------------------
def billing_period_start(*, sim, now: datetime | None = None) -> datetime:
    """The start of the SIM's current billing period (synced BillingPeriods), else the calendar month."""
    from apps.sims.models import BillingPeriod

    now = now or timezone.now()
    start = (
        BillingPeriod.objects.filter(sim_id=sim.sid, start_time__lte=now)
        .filter(Q(end_time__gt=now) | Q(end_time__isnull=True))
        .order_by("-start_time")
        .values_list("start_time", flat=True)
        .first()
    )
    if start:
        return start
    return now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


@dataclass
class PeriodUsage:
    used_bytes: int
    limit_bytes: int | None
    percent: float | None
    warning: bool
    over: bool
    period_start: datetime
    threshold: float


def _period_usage(used: int, limit_mb: int | None, start: datetime) -> PeriodUsage:
    limit = int(limit_mb) * MB if limit_mb else None
    percent = round(used * 100 / limit, 1) if limit else None
    threshold = warning_percent()
    return PeriodUsage(
        used_bytes=used,
        limit_bytes=limit,
        percent=percent,
        warning=percent is not None and percent >= threshold,
        over=percent is not None and percent >= 100,
        period_start=start,
        threshold=threshold,
    )


def sim_period_usage(*, sim, now: datetime | None = None) -> PeriodUsage:
    """Usage of ``sim`` in its current billing period against its fleet's data limit (two queries + the
    fleet if not already loaded). ``warning`` is set at ``USAGE_WARNING_PERCENT`` (default 80 %)."""
    start = billing_period_start(sim=sim, now=now)
    day_start = start.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    used = UsageRollup.objects.filter(
        group=UsageGroup.SIM, group_key=sim.sid, period=Granularity.DAY, period_start__gte=day_start
    ).aggregate(total=Sum("data_total"))["total"]
    fleet = sim.fleet if sim.fleet_id else None
    return _period_usage(_num(used), fleet.data_limit if fleet else None, start)


def fleet_sims_near_limit(*, fleet, limit: int = 20, now: datetime | None = None) -> list[dict]:
    """The ``limit`` SIMs of ``fleet`` that used the most data this calendar month (UTC), with their
    percentage of the fleet's data limit, highest first. Cached per usage data version."""
    now = now or timezone.now()
    month_start = now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    window = Window(month_start, month_start + timedelta(days=32))
    top = usage_breakdown(group=UsageGroup.SIM, window=window, limit=limit, scope_fleet=fleet.sid)
    rows = []
    for item in top["items"]:
        usage = _period_usage(item["total"], fleet.data_limit, month_start)
        rows.append({**item, "usage": usage})
    return rows


# --- the home dashboard ------------------------------------------------------------------------------------
def sim_status_counts() -> list[dict]:
    """Live SIMs per status (the home page), from the per-fleet counts table."""
    from apps.sims.selectors import sim_status_totals

    rows = ({"status": status or "unknown", "count": n} for status, n in sim_status_totals().items())
    return sorted(rows, key=lambda r: r["status"])


def usage_warm_cache(*, now: datetime | None = None) -> int:
    """Compute the default top-SIM answers (this month, as the home dashboard asks; the usage page's default
    window, the last month and this one) so no page pays for them cold. Call after a usage sync; returns how
    many answers were cached."""
    now = (now or timezone.now()).astimezone(UTC)
    end = now.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    month = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    previous = (month - timedelta(days=1)).replace(day=1)
    usage_breakdown(group=UsageGroup.SIM, window=Window(month, end), limit=5)
    usage_breakdown(group=UsageGroup.SIM, window=Window(previous, end), limit=10)
    return 2
