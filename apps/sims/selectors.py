"""Reads for the SIM pages (local models only; a fixed number of queries at any table size)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.urls import NoReverseMatch
from django.utils import timezone

from apps.core.cache import cached_value, data_version
from apps.core.models import live_choices
from apps.fleets.models import Fleet

from .choices import SimStatus
from .models import BillingPeriod, SettingsUpdate, Sim, SimIpAddress

#: the status changes an operator may ask for (Twilio's Super SIM lifecycle); ``scheduled`` is transient
ALLOWED_TRANSITIONS: dict[str, tuple[str, ...]] = {
    SimStatus.NEW: (SimStatus.READY, SimStatus.ACTIVE),
    SimStatus.READY: (SimStatus.ACTIVE,),
    SimStatus.ACTIVE: (SimStatus.INACTIVE,),
    SimStatus.INACTIVE: (SimStatus.ACTIVE,),
    SimStatus.SCHEDULED: (),
}


#: data-version name of the SIM table (apps.core.cache), replaced by every write path of apps.sims.services
SIMS_DATA = "sims"


def sim_counts_by_fleet(*, fleets=None) -> dict[str | None, dict[str, int]]:
    """``{fleet sid or None: {status: live SIMs}}`` from the ``SimCount`` table (kept by the sync and the
    services; never a COUNT over the SIM table), for ``fleets`` (SIDs) or every fleet."""
    from .models import SimCount

    qs = SimCount.objects.filter(count__gt=0)
    if fleets is not None:
        qs = qs.filter(fleet_sid__in=[f or "" for f in fleets])
    counts: dict[str | None, dict[str, int]] = {}
    for fleet_sid, status, n in qs.values_list("fleet_sid", "status", "count"):
        counts.setdefault(fleet_sid or None, {})[status] = n
    return counts


def sim_status_totals() -> dict[str, int]:
    """``{status: live SIMs}`` over every fleet (the home page): a sum over the ``SimCount`` rows, cached
    until the counts change (``SIMS_DATA``)."""
    from django.db.models import Sum

    from .models import SimCount

    def compute() -> dict:
        rows = SimCount.objects.order_by().values_list("status").annotate(n=Sum("count"))
        return {status: int(n) for status, n in rows if n}

    timeout = float(settings.SIM_COUNTS_CACHE_SECONDS)
    return cached_value(f"sims:status-totals:{data_version(SIMS_DATA)}", compute, timeout)


def sim_allowed_statuses(*, status: str) -> tuple[str, ...]:
    """The statuses a SIM in ``status`` may be moved to (empty while ``scheduled``)."""
    return tuple(str(s) for s in ALLOWED_TRANSITIONS.get(status, ()))


def sim_list_queryset() -> QuerySet[Sim]:
    """Every SIM with its fleet and NAP (one query per page), newest first."""
    return (
        Sim.objects.select_related("fleet", "fleet__network_access_profile")
        .defer("raw", "fleet__raw", "fleet__network_access_profile__raw")  # API JSON: not shown in lists
        .order_by("-date_created", "-id")
    )


#: sort parameter -> (field, descending) for keyset paging; the tie-breaker is always ``id``
KEYSETS: dict[str, tuple[str, bool]] = {
    "": ("date_created", True),
    "-date_created": ("date_created", True),
    "date_created": ("date_created", False),
    "iccid": ("iccid", False),
    "-iccid": ("iccid", True),
    "unique_name": ("unique_name", False),
    "-unique_name": ("unique_name", True),
    "status": ("status", False),
    "-status": ("status", True),
}


def sim_keyset(*, sort: str) -> tuple[str, bool] | None:
    return KEYSETS.get(sort)


def sim_keyset_cursor(*, record: Sim, keyset: tuple[str, bool]) -> str:
    """``<value>~<id>`` of the last row of a page ('' when the value is NULL: no keyset link then)."""
    field, _ = keyset
    value = getattr(record, field)
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.isoformat()
    return f"{value}~{record.pk}"


def sim_keyset_filter(*, queryset: QuerySet[Sim], keyset: tuple[str, bool], cursor: str) -> QuerySet[Sim]:
    """The rows after ``cursor`` in the keyset's order (an invalid cursor gives no rows)."""
    from django.db.models import Q
    from django.utils.dateparse import parse_datetime

    field, descending = keyset
    value, _, pk = cursor.rpartition("~")
    if not pk.isdigit() or not value:
        return queryset.none()
    parsed: object = value
    if field == "date_created":
        try:
            parsed = parse_datetime(value)
        except ValueError:
            parsed = None
        if parsed is None:
            return queryset.none()
    op = "lt" if descending else "gt"
    # the redundant bound (``<=`` / ``>=``) lets the database start an index range scan at the cursor
    bound = Q(**{f"{field}__{op}e": parsed})
    return queryset.filter(
        bound & (Q(**{f"{field}__{op}": parsed}) | Q(**{field: parsed, f"id__{op}": int(pk)}))
    )


def sim_keyset_previous(
    *, queryset: QuerySet[Sim], keyset: tuple[str, bool], first: Sim, per_page: int
) -> str | None:
    """The ``after`` cursor of the page before the page whose first row is ``first``: ``""`` when that is the
    first page, ``None`` when no row comes before ``first``. One indexed query of ``per_page + 1`` rows in
    the reverse order (no OFFSET, no count)."""
    field, descending = keyset
    cursor = sim_keyset_cursor(record=first, keyset=keyset)
    if not cursor:
        return None
    backwards = sim_keyset_filter(queryset=queryset, keyset=(field, not descending), cursor=cursor)
    order = (field, "id") if descending else (f"-{field}", "-id")
    rows = list(backwards.select_related(None).order_by(*order).only(field, "id")[: per_page + 1])
    if not rows:
        return None
    if len(rows) <= per_page:
        return ""
    return sim_keyset_cursor(record=rows[per_page], keyset=keyset) or None


def sim_list_count(*, queryset: QuerySet[Sim], key: str, filters: dict | None = None) -> int:
    """The number of SIMs of a filtered SIM list. Filtered by status and/or fleet only (``filters``: the
    filter form's cleaned data), a sum over the ``SimCount`` rows; otherwise a ``COUNT(*)`` (``key``: the
    filter, as the list's query string), cached until a SIM's status, fleet or presence changes (the
    ``sims`` data version) and at most ``SIM_COUNTS_CACHE_SECONDS`` (a rename does not change the version:
    the count of a name-prefix search may lag a rename by that long)."""
    import hashlib

    if filters is not None:
        given = {name for name, value in filters.items() if value not in (None, "", [])}
        if given <= {"status", "fleet"}:
            from django.db.models import Sum

            from .models import SimCount

            counts = SimCount.objects.all()
            if filters.get("status"):
                counts = counts.filter(status=filters["status"])
            if filters.get("fleet"):
                counts = counts.filter(fleet_sid=getattr(filters["fleet"], "sid", filters["fleet"]))
            return int(counts.aggregate(n=Sum("count"))["n"] or 0)
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    timeout = float(settings.SIM_COUNTS_CACHE_SECONDS)
    return cached_value(f"sims:list-count:{data_version(SIMS_DATA)}:{digest}", queryset.count, timeout)


def sim_get(*, sid: str) -> Sim:
    """One SIM with fleet and NAP; raises ``Sim.DoesNotExist``."""
    return Sim.objects.select_related("fleet", "fleet__network_access_profile").get(sid=sid)


def fleet_choices_queryset() -> QuerySet[Fleet]:
    return live_choices(Fleet)


def sim_export_rows(*, queryset: QuerySet[Sim]):
    """Rows for the CSV export, streamed in chunks (no model instances)."""
    fields = (
        "sid",
        "iccid",
        "unique_name",
        "status",
        "fleet_id",
        "fleet__unique_name",
        "fleet__network_access_profile_id",
        "fleet__network_access_profile__unique_name",
        "date_created",
        "date_updated",
        "removed_at",
    )
    for row in queryset.values_list(*fields).iterator(chunk_size=2000):
        yield [v.isoformat() if isinstance(v, datetime) else v for v in row]


SIM_EXPORT_HEADER = [
    "sid",
    "iccid",
    "unique_name",
    "status",
    "fleet_sid",
    "fleet_name",
    "network_access_profile_sid",
    "network_access_profile_name",
    "date_created",
    "date_updated",
    "removed_at",
]


@dataclass
class UsageSparkline:
    """Cumulative data use over the current billing period, scaled into a 300x60 SVG."""

    start: datetime
    end: datetime
    total_bytes: int
    limit_bytes: int | None
    points: str  # SVG polyline points
    limit_y: float | None  # y of the fleet data limit line
    days: int
    over_limit: bool

    @property
    def total_mb(self) -> float:
        return self.total_bytes / 1_000_000

    @property
    def percent(self) -> int | None:
        if not self.limit_bytes:
            return None
        return int(100 * self.total_bytes / self.limit_bytes)


SPARK_W, SPARK_H = 300, 60


def sim_current_period(*, sim: Sim, periods: list[BillingPeriod], now: datetime) -> tuple[datetime, datetime]:
    """The billing period covering ``now`` (else the latest one, else the last 30 days)."""
    for period in periods:
        if period.start_time and period.end_time and period.start_time <= now < period.end_time:
            return period.start_time, period.end_time
    if periods and periods[0].start_time and periods[0].end_time:
        return periods[0].start_time, periods[0].end_time
    return now - timedelta(days=30), now


def sim_usage_sparkline(*, sim: Sim, start: datetime, end: datetime) -> UsageSparkline:
    """Daily usage rows of the SIM (local ``UsageRollup``, group ``sim``) inside [start, end): one query."""
    from apps.usage.models import UsageRollup

    rows = list(
        UsageRollup.objects.filter(
            group="sim", group_key=sim.sid, period="day", period_start__gte=start, period_start__lt=end
        )
        .order_by("period_start")
        .values_list("period_start", "data_total")
    )
    fleet = sim.fleet if sim.fleet_id else None
    limit_mb = fleet.data_limit if fleet is not None else None
    limit_bytes = limit_mb * 1_000_000 if limit_mb else None
    span = max((end - start).total_seconds(), 1.0)
    total = 0
    cumulative: list[tuple[float, int]] = [(0.0, 0)]
    for period_start, data_total in rows:
        total += int(data_total or 0)
        x = min(1.0, ((period_start - start).total_seconds() + 86400) / span)
        cumulative.append((x, total))
    top = max(total, limit_bytes or 0, 1)
    points = " ".join(
        f"{x * SPARK_W:.1f},{SPARK_H - 2 - (value / top) * (SPARK_H - 4):.1f}" for x, value in cumulative
    )
    limit_y = SPARK_H - 2 - (limit_bytes / top) * (SPARK_H - 4) if limit_bytes else None
    return UsageSparkline(
        start=start,
        end=end,
        total_bytes=total,
        limit_bytes=limit_bytes,
        points=points,
        limit_y=limit_y,
        days=len(rows),
        over_limit=bool(limit_bytes and total > limit_bytes),
    )


def _url(obj) -> str | None:
    try:
        return obj.get_absolute_url()
    except NoReverseMatch:  # the page is built by another app; no link until it exists
        return None


def sim_related(*, sim: Sim, limit: int = 10) -> dict:
    """Billing periods, IP addresses, settings updates, recent commands and usage of one SIM (7 queries)."""
    from apps.commands.models import IpCommand, SmsCommand

    periods = list(BillingPeriod.objects.filter(sim_id=sim.sid).order_by("-start_time", "-id")[:24])
    ips = list(SimIpAddress.objects.filter(sim_id=sim.sid).order_by("ip_address"))
    updates = list(SettingsUpdate.objects.filter(sim_id=sim.sid).order_by("-date_created", "-id")[:limit])
    sms = [
        (c, _url(c))
        for c in SmsCommand.objects.filter(sim_id=sim.sid).order_by("-date_created", "-id")[:limit]
    ]
    ipc = [
        (c, _url(c))
        for c in IpCommand.objects.filter(sim_id=sim.sid).order_by("-date_created", "-id")[:limit]
    ]
    now = timezone.now()
    start, end = sim_current_period(sim=sim, periods=periods, now=now)
    return {
        "billing_periods": periods,
        "ip_addresses": ips,
        "settings_updates": updates,
        "sms_commands": sms,
        "ip_commands": ipc,
        "usage": sim_usage_sparkline(sim=sim, start=start, end=end),
    }
