"""What each rule's condition finds true now: the set of subjects it fires for, computed set-based.

Each condition is one function ``(rule, now) -> dict[(subject_type, subject_id), Firing]`` made of a fixed
number of SQL queries over every SIM of the rule's scope at once (never a query per SIM): the cost grows
with the rows read, not with round trips. The engine (:func:`apps.alerts.services.rule_evaluate`) opens an
alert for each new key and resolves the alerts whose key is no longer there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.db.models import (
    Count,
    Exists,
    Max,
    OuterRef,
    Q,
    Subquery,
)
from django.db.models.functions import Coalesce

from .models import SIM_CONDITIONS, AlertRule, Condition, Scope

MB = 1_000_000  # Fleet.data_limit is in megabytes (decimal, like billing: apps.usage.selectors.MB)
Key = tuple[str, str]


@dataclass
class Firing:
    label: str
    message: str
    value: float | None = None
    fleet_sid: str = ""
    values: dict = field(default_factory=dict)


class NotEvaluable(ValueError):
    """A rule that cannot be evaluated as it stands (the form refuses such a rule; a rule that became so
    later, e.g. its fleet lost its data limit, is skipped and says why)."""


# --- scope ---------------------------------------------------------------------------------------------
def scope_sims(rule: AlertRule):
    """The live SIMs the rule is about (a queryset: used as a subquery or a base, never listed)."""
    from apps.sims.models import Sim

    qs = Sim.objects.filter(removed_at__isnull=True)
    if rule.scope == Scope.FLEET:
        qs = qs.filter(fleet_id=rule.fleet_id)
    elif rule.scope == Scope.SIM:
        qs = qs.filter(sid=rule.sim_id)
    elif rule.scope == Scope.TAG:
        raise NotEvaluable("Tags do not exist yet: a rule cannot be scoped to a tag.")
    return qs


def _sim_label(unique_name: str, iccid: str, sid: str) -> str:
    return unique_name or iccid or sid


def _mb(value: int | float) -> str:
    return f"{value / MB:,.1f} MB"


def _hours(delta: timedelta) -> float:
    return round(delta.total_seconds() / 3600, 1)


# --- usage ---------------------------------------------------------------------------------------------
#: billing periods are monthly (a ready period at most 3 months): usage older than this is never in one
PERIOD_LOOKBACK = timedelta(days=93)


def _usage_rows(rule: AlertRule, now: datetime, *, since: datetime | None, having: str, params: list):
    """``(sid, unique_name, iccid, fleet_sid, data_limit, used)`` of the scope's live SIMs whose daily usage
    records from ``since`` - or, when ``since`` is None, from each SIM's current billing period start (else
    the calendar month) - satisfy ``having`` (SQL over ``SUM(u.data_total)`` and ``f.data_limit``).

    One statement: the SIMs joined to their records and grouped (PostgreSQL hashes the join; no subquery per
    SIM), the period of each SIM from the newest current billing period (a daily record counts when it ends
    after the period's start: the day the period starts in counts, as in ``sim_period_usage``)."""
    from django.db import connection

    from apps.fleets.models import Fleet
    from apps.sims.models import BillingPeriod, Sim
    from apps.usage.models import UsageRecord

    q = connection.ops.quote_name
    dt_param = connection.ops.adapt_datetimefield_value
    month_start = now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    sim, fleet, usage, bp = (m._meta.db_table for m in (Sim, Fleet, UsageRecord, BillingPeriod))
    where = ["s.removed_at IS NULL"]
    args: list = []
    if rule.scope == Scope.FLEET:
        where.append("s.fleet_sid = %s")
        args.append(rule.fleet_id)
    elif rule.scope == Scope.SIM:
        where.append("s.sid = %s")
        args.append(rule.sim_id)
    elif rule.scope == Scope.TAG:
        raise NotEvaluable("Tags do not exist yet: a rule cannot be scoped to a tag.")
    period_join = ""
    if since is not None:
        window = "u.period_start >= %s"
        window_args = [dt_param(since)]
    else:
        current = "b.start_time <= %s AND (b.end_time > %s OR b.end_time IS NULL)"
        latest = (
            f"SELECT 1 FROM {q(bp)} b WHERE b.sim_sid = s.sid AND {current} AND b.start_time > bp.start_time"  # noqa: S608, E501
        )
        period_join = (  # names from the models, values bound
            f"LEFT JOIN {q(bp)} bp ON bp.sim_sid = s.sid AND {current.replace('b.', 'bp.')} AND NOT EXISTS ("
            f"{latest})"
        )
        args = [dt_param(now)] * 4 + args
        window = (
            "u.period_start >= %s AND COALESCE(u.period_end, u.period_start) > COALESCE(bp.start_time, %s)"
        )
        window_args = [dt_param(now - PERIOD_LOOKBACK), dt_param(month_start)]
    # names from the models and constant fragments; every value is bound
    sql = f"""
        SELECT s.sid, s.unique_name, s.iccid, s.fleet_sid, f.data_limit, SUM(u.data_total)
        FROM {q(sim)} s
        LEFT JOIN {q(fleet)} f ON f.sid = s.fleet_sid
        {period_join}
        JOIN {q(usage)} u ON u.group_key = s.sid AND u.{q("group")} = 'sim' AND u.granularity = 'day'
            AND {window}
        WHERE {" AND ".join(where)}
        GROUP BY s.sid, s.unique_name, s.iccid, s.fleet_sid, f.data_limit
        HAVING {having}
    """  # noqa: S608
    # the period join's parameters come first in the text, then the usage window's, then the scope's
    scope_args = args[4:] if since is None else args
    head = args[:4] if since is None else []
    with connection.cursor() as cursor:
        cursor.execute(sql, [*head, *window_args, *scope_args, *params])
        return cursor.fetchall()


def usage_percent(rule: AlertRule, now: datetime) -> dict[Key, Firing]:
    """SIMs whose data used in their current billing period is at least ``threshold`` % of their fleet's
    data limit (SIMs of fleets without a limit are not concerned). One query."""
    percent = Decimal(rule.threshold or 0)
    factor = int(percent * MB)  # used * 100 >= limit_mb * MB * percent, in integers (2 decimals), bigint
    rows = _usage_rows(
        rule,
        now,
        since=None,
        having="f.data_limit > 0 AND SUM(u.data_total) * 100 >= CAST(f.data_limit AS BIGINT) * %s",
        params=[factor],
    )
    out = {}
    for sid, name, iccid, fleet_sid, limit_mb, used in rows:
        pct = round(used * 100 / (limit_mb * MB), 1)
        out[("sim", sid)] = Firing(
            label=_sim_label(name, iccid, sid),
            message=f"{pct} % of the fleet's data limit used this period ({_mb(used)} of {limit_mb:,} MB)",
            value=pct,
            fleet_sid=fleet_sid or "",
        )
    return out


def usage_mb(rule: AlertRule, now: datetime) -> dict[Key, Firing]:
    """SIMs that used at least ``threshold`` MB today (UTC) or in their current billing period. One query."""
    limit = int(Decimal(rule.threshold or 0) * MB)
    day = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    today = rule.usage_window == "day"
    rows = _usage_rows(
        rule, now, since=day if today else None, having="SUM(u.data_total) >= %s", params=[limit]
    )
    what = "today" if today else "this billing period"
    return {
        ("sim", sid): Firing(
            label=_sim_label(name, iccid, sid),
            message=f"{_mb(used)} used {what} (threshold {rule.threshold} MB)",
            value=round(used / MB, 1),
            fleet_sid=fleet_sid or "",
        )
        for sid, name, iccid, fleet_sid, _limit, used in rows
    }


# --- connectivity --------------------------------------------------------------------------------------
def _usage_with_data(since=None):
    from apps.usage.choices import Granularity, UsageGroup
    from apps.usage.models import UsageRecord

    qs = UsageRecord.objects.filter(
        group=UsageGroup.SIM, group_key=OuterRef("sid"), granularity=Granularity.DAY, data_total__gt=0
    )
    if since is not None:
        qs = qs.filter(period_start__gte=since)
    return qs


def offline(rule: AlertRule, now: datetime) -> dict[Key, Firing]:
    """Active SIMs that were connected once but not for more than ``threshold`` hours: from their
    connection events where they have any (no accepted attachment or data session since), else from the
    usage records ("no data for N hours": the records are daily, so the cut-off is the start of its day)."""
    from apps.events.models import SimConnectionState

    cutoff = now - timedelta(hours=float(rule.threshold or 0))
    cutoff_day = cutoff.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    state = SimConnectionState.objects.filter(sim_sid=OuterRef("sid"))
    sims = scope_sims(rule).filter(status="active")
    by_events = sims.filter(
        Exists(state.filter(Q(attached_at__isnull=False) | Q(session_at__isnull=False)))
    ).exclude(Exists(state.filter(Q(attached_at__gte=cutoff) | Q(session_at__gte=cutoff))))
    by_usage = (
        sims.exclude(Exists(state))
        .filter(Exists(_usage_with_data()))
        .exclude(Exists(_usage_with_data(since=cutoff_day)))
        .filter(Q(date_created__lt=cutoff) | Q(date_created__isnull=True))
    )
    out = {}
    rows = by_events.annotate(
        att=Subquery(state.values("attached_at")[:1]), ses=Subquery(state.values("session_at")[:1])
    ).values_list("sid", "unique_name", "iccid", "fleet_id", "att", "ses")
    for sid, name, iccid, fleet_sid, att, ses in rows:
        last = max(t for t in (att, ses) if t is not None)
        hours = _hours(now - last)
        out[("sim", sid)] = Firing(
            label=_sim_label(name, iccid, sid),
            message=f"offline for {hours} hours (last connection event: {last:%Y-%m-%d %H:%M} UTC)",
            value=hours,
            fleet_sid=fleet_sid or "",
            values={"source": "connection events"},
        )
    for sid, name, iccid, fleet_sid in by_usage.values_list("sid", "unique_name", "iccid", "fleet_id"):
        out[("sim", sid)] = Firing(
            label=_sim_label(name, iccid, sid),
            message=f"no data used since {cutoff_day:%Y-%m-%d} (more than {rule.threshold} hours)",
            value=None,
            fleet_sid=fleet_sid or "",
            values={"source": "usage records"},
        )
    return out


def never_connected(rule: AlertRule, now: datetime) -> dict[Key, Firing]:
    """Active SIMs with no connection event and no data used at all, activated more than ``threshold``
    hours ago (the SIM's last update time stands for its activation: the API keeps no activation time)."""
    from apps.events.models import SimConnectionState

    cutoff = now - timedelta(hours=float(rule.threshold or 0))
    state = SimConnectionState.objects.filter(sim_sid=OuterRef("sid"))
    sims = (
        scope_sims(rule)
        .filter(status="active")
        .exclude(Exists(state.filter(Q(attached_at__isnull=False) | Q(session_at__isnull=False))))
        .exclude(Exists(_usage_with_data()))
        .annotate(since=Coalesce("date_updated", "date_created", "synced_at"))
        .filter(since__lt=cutoff)
    )
    out = {}
    for sid, name, iccid, fleet_sid, since in sims.values_list(
        "sid", "unique_name", "iccid", "fleet_id", "since"
    ):
        out[("sim", sid)] = Firing(
            label=_sim_label(name, iccid, sid),
            message=f"active since {since:%Y-%m-%d %H:%M} UTC and never connected",
            value=_hours(now - since),
            fleet_sid=fleet_sid or "",
        )
    return out


def attach_rejected(rule: AlertRule, now: datetime) -> dict[Key, Firing]:
    """SIMs whose attachment was rejected (or failed) at least ``threshold`` times in the last
    ``window_minutes`` minutes. One grouped query over the events of the window (index on type, time)."""
    from apps.events.models import REJECTIONS, ConnectionEvent

    count = int(rule.threshold or 1)
    minutes = int(rule.window_minutes or 60)
    qs = ConnectionEvent.objects.filter(type__in=REJECTIONS, timestamp__gte=now - timedelta(minutes=minutes))
    if rule.scope != Scope.ACCOUNT:
        qs = qs.filter(sim_sid__in=scope_sims(rule).values("sid"))
    rows = (
        qs.order_by()
        .values("sim_sid")
        .annotate(n=Count("id"), name=Max("sim_unique_name"), iccid=Max("iccid"), fleet=Max("fleet_sid"))
        .filter(n__gte=count)
        .annotate(last_error=Max("error_code"))
    )
    return {
        ("sim", r["sim_sid"]): Firing(
            label=_sim_label(r["name"], r["iccid"], r["sim_sid"]),
            message=f"attachment rejected {r['n']} times in {minutes} minutes"
            + (f" (last error {r['last_error']})" if r["last_error"] else ""),
            value=r["n"],
            fleet_sid=r["fleet"] or "",
        )
        for r in rows
    }


def imei_changed(rule: AlertRule, now: datetime) -> dict[Key, Firing]:
    """SIMs seen in another device (IMEI) within the last ``window_minutes`` minutes (default a day)."""
    from apps.events.models import SimConnectionState

    minutes = int(rule.window_minutes or 1440)
    qs = SimConnectionState.objects.filter(
        imei_changed=True, imei_changed_at__gte=now - timedelta(minutes=minutes)
    )
    if rule.scope != Scope.ACCOUNT:
        qs = qs.filter(sim_sid__in=scope_sims(rule).values("sid"))
    return {
        ("sim", sid): Firing(
            label=iccid or sid,
            message=f"IMEI changed from {prev or '?'} to {imei} at {at:%Y-%m-%d %H:%M} UTC",
            values={"imei": imei, "imei_previous": prev},
        )
        for sid, iccid, imei, prev, at in qs.values_list(
            "sim_sid", "iccid", "imei", "imei_previous", "imei_changed_at"
        )
    }


STATUS_ACTIONS = ("sim.update_status", "sim.status_callback", "sim.update")


def status_changed(rule: AlertRule, now: datetime) -> dict[Key, Firing]:
    """SIMs whose status changed (to ``status_to`` if set) in the last ``window_minutes`` minutes, as the
    audit log records it: by whom (a dashboard user, the REST API) or by what (a status callback)."""
    from apps.audit.models import AuditEvent

    minutes = int(rule.window_minutes or 60)
    qs = AuditEvent.objects.filter(
        object_type="sim",
        action__in=STATUS_ACTIONS,
        success=True,
        timestamp__gte=now - timedelta(minutes=minutes),
    )
    if rule.scope != Scope.ACCOUNT:
        qs = qs.filter(object_id__in=scope_sims(rule).values("sid"))
    out = {}
    rows = qs.order_by("timestamp", "id").values_list(
        "object_id", "object_repr", "before", "after", "username", "source", "timestamp"
    )
    for sid, label, before, after, username, source, at in rows:
        old = (before or {}).get("status")
        new = (after or {}).get("status")
        if not new or old == new or (rule.status_to and new != rule.status_to):
            continue
        by = username or {"webhook": "a status callback", "api": "the REST API"}.get(source, source)
        out[("sim", sid)] = Firing(  # the newest change of each SIM wins
            label=label or sid,
            message=f"status changed from {old or 'unknown'} to {new} by {by} at {at:%Y-%m-%d %H:%M} UTC",
            fleet_sid=(after or {}).get("fleet_id") or "",
            values={"from": old, "to": new, "by": by},
        )
    return out


# --- the system ----------------------------------------------------------------------------------------
def _sync_resources(rule: AlertRule) -> list[str]:
    from apps.sync.registry import RESOURCES

    return [rule.sync_resource] if rule.sync_resource else list(RESOURCES)


def sync_failing(rule: AlertRule, now: datetime) -> dict[Key, Firing]:
    """Resources whose last finished sync (skipped runs aside) failed or finished with errors."""
    from apps.sync.models import SyncRun
    from apps.sync.registry import resource_label

    final = SyncRun.objects.filter(
        scope="",
        resource__in=_sync_resources(rule),
        status__in=[SyncRun.Status.SUCCEEDED, SyncRun.Status.FAILED, SyncRun.Status.PARTIAL],
    )
    last_ids = final.order_by().values("resource").annotate(last=Max("id")).values("last")
    out = {}
    for run in SyncRun.objects.filter(pk__in=Subquery(last_ids)).exclude(status=SyncRun.Status.SUCCEEDED):
        label = resource_label(run.resource)
        outcome = run.get_status_display().lower()
        out[("sync", run.resource)] = Firing(
            label=label,
            message=f"the last sync of {label} (#{run.pk}) {outcome}"
            + (f": {run.error[:200]}" if run.error else ""),
            values={"run": run.pk},
        )
    return out


def sync_overdue(rule: AlertRule, now: datetime) -> dict[Key, Firing]:
    """Resources not synced successfully for more than ``threshold`` minutes (a resource never synced is
    overdue once its first run is that old)."""
    from apps.sync.models import SyncRun
    from apps.sync.registry import resource_label

    cutoff = now - timedelta(minutes=float(rule.threshold or 0))
    rows = (
        SyncRun.objects.filter(scope="", resource__in=_sync_resources(rule))
        .order_by()
        .values("resource")
        .annotate(
            last_ok=Max("finished_at", filter=Q(status=SyncRun.Status.SUCCEEDED)), first=Max("created_at")
        )
    )
    out = {}
    for row in rows:
        last_ok = row["last_ok"]
        if (last_ok or row["first"]) >= cutoff:
            continue
        since = f"since {last_ok:%Y-%m-%d %H:%M} UTC" if last_ok else "ever"
        out[("sync", row["resource"])] = Firing(
            label=resource_label(row["resource"]),
            message=f"{resource_label(row['resource'])} not synced successfully {since}",
            value=_hours(now - last_ok) if last_ok else None,
        )
    return out


def job_failed(rule: AlertRule, now: datetime) -> dict[Key, Firing]:
    """Jobs that finished with failures (or failed) within the last ``window_minutes`` minutes."""
    from apps.core.models import Job

    minutes = int(rule.window_minutes or 1440)
    jobs = Job.objects.filter(
        status__in=[Job.Status.PARTIAL, Job.Status.FAILED], finished_at__gte=now - timedelta(minutes=minutes)
    ).values_list("pk", "title", "failed", "total", "status")
    return {
        ("job", str(pk)): Firing(
            label=f"{title} (#{pk})",
            message=f"job #{pk} {title!r} finished with {failed} of {total} items failed"
            if status == Job.Status.PARTIAL
            else f"job #{pk} {title!r} failed",
            value=failed,
        )
        for pk, title, failed, total, status in jobs
    }


EVALUATORS = {
    Condition.USAGE_PERCENT: usage_percent,
    Condition.USAGE_MB: usage_mb,
    Condition.OFFLINE: offline,
    Condition.NEVER_CONNECTED: never_connected,
    Condition.ATTACH_REJECTED: attach_rejected,
    Condition.IMEI_CHANGED: imei_changed,
    Condition.STATUS_CHANGED: status_changed,
    Condition.SYNC_FAILING: sync_failing,
    Condition.SYNC_OVERDUE: sync_overdue,
    Condition.JOB_FAILED: job_failed,
}


def rule_problems(rule: AlertRule) -> list[tuple[str | None, str]]:
    """Why ``rule`` cannot be evaluated, as (form field or None, message) pairs; empty when it can."""
    from apps.fleets.models import Fleet
    from apps.sims.models import Sim

    problems: list[tuple[str | None, str]] = []
    cond = rule.condition
    threshold = rule.threshold
    if rule.scope == Scope.TAG:
        problems.append(("scope", "Tags do not exist yet: choose the account, a fleet or a SIM."))
    if rule.scope == Scope.FLEET and not rule.fleet_id:
        problems.append(("fleet", "Choose the fleet this rule watches."))
    if rule.scope == Scope.SIM and not rule.sim_id:
        problems.append(("sim", "Give the SID of the SIM this rule watches."))
    elif rule.scope == Scope.SIM and not Sim.objects.filter(sid=rule.sim_id).exists():
        problems.append(("sim", f"No SIM {rule.sim_id} is known (has the sync run?)."))
    if cond not in set(Condition):
        problems.append(("condition", "Choose a condition."))
        return problems
    if cond not in SIM_CONDITIONS and rule.scope != Scope.ACCOUNT:
        problems.append(("scope", "This condition is about the whole system: its scope is the account."))
    needs_threshold = {
        Condition.USAGE_PERCENT: "a percentage",
        Condition.USAGE_MB: "a number of megabytes",
        Condition.OFFLINE: "a number of hours",
        Condition.NEVER_CONNECTED: "a number of hours",
        Condition.ATTACH_REJECTED: "a number of rejections",
        Condition.SYNC_OVERDUE: "a number of minutes",
    }
    if cond in needs_threshold and (threshold is None or threshold <= 0):
        problems.append(("threshold", f"This condition needs a threshold: {needs_threshold[cond]} above 0."))
    if cond == Condition.USAGE_PERCENT:
        if threshold is not None and threshold > 100:
            problems.append(("threshold", "A percentage of the data limit cannot be over 100."))
        if rule.scope == Scope.FLEET and rule.fleet_id:
            limit = Fleet.objects.filter(sid=rule.fleet_id).values_list("data_limit", flat=True).first()
            if not limit:
                problems.append(
                    ("fleet", "This fleet has no data limit: a percentage of it cannot be evaluated.")
                )
        if rule.scope == Scope.SIM and rule.sim_id:
            limit = Sim.objects.filter(sid=rule.sim_id).values_list("fleet__data_limit", flat=True).first()
            if not limit:
                problems.append(
                    ("sim", "This SIM's fleet has no data limit: a percentage of it cannot be evaluated.")
                )
    if cond == Condition.USAGE_MB and not rule.usage_window:
        problems.append(("usage_window", "Choose a day or the billing period."))
    if cond == Condition.ATTACH_REJECTED and not rule.window_minutes:
        problems.append(("window_minutes", "Give the window (minutes) the rejections are counted in."))
    if cond in (Condition.SYNC_FAILING, Condition.SYNC_OVERDUE) and rule.sync_resource:
        from apps.sync.registry import RESOURCES

        if rule.sync_resource not in RESOURCES:
            problems.append(("sync_resource", "No such sync resource."))
    return problems


def evaluate(rule: AlertRule, now: datetime) -> dict[Key, Firing]:
    """The subjects ``rule`` fires for at ``now``; raises :class:`NotEvaluable` for a rule that cannot be
    evaluated (its fleet lost its data limit since it was saved, a tag scope)."""
    if rule.condition == Condition.USAGE_PERCENT and rule.scope == Scope.FLEET:
        problems = rule_problems(rule)
        if problems:
            raise NotEvaluable(problems[0][1])
    return EVALUATORS[rule.condition](rule, now)
