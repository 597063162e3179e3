"""Every write of the alerts app: rules and channels (audited), acknowledge / snooze (audited), the
evaluation engine (alerts opened, reopened within the cool-down, resolved) and the deliveries it queues."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from . import conditions
from .models import Alert, AlertRule, Channel, Condition, Delivery

logger = logging.getLogger(__name__)

RULE_FIELDS = (
    "name",
    "enabled",
    "scope",
    "fleet_id",
    "sim_id",
    "tag",
    "condition",
    "threshold",
    "window_minutes",
    "usage_window",
    "status_to",
    "sync_resource",
    "cooldown_minutes",
    "notify_on_resolve",
)
CHANNEL_FIELDS = ("name", "kind", "target", "format", "digest_threshold", "enabled")


class RuleNotEvaluable(ValueError):
    """The rule cannot be evaluated as given; ``problems`` are (field or None, message) pairs."""

    def __init__(self, problems):
        self.problems = problems
        super().__init__("; ".join(m for _, m in problems))


def rule_state(rule: AlertRule) -> dict:
    state = {name: getattr(rule, name) for name in RULE_FIELDS}
    state["threshold"] = f"{Decimal(rule.threshold):.2f}" if rule.threshold is not None else None
    if rule.pk:
        state["channels"] = sorted(rule.channels.values_list("name", flat=True))
    return state


def channel_state(channel: Channel) -> dict:
    state = {name: getattr(channel, name) for name in CHANNEL_FIELDS}
    state["signing_key_saved"] = bool(channel.secret)  # never the value (and no "secret" key: scrubbed)
    return state


# --- rules ---------------------------------------------------------------------------------------------
def _rule_save(*, rule: AlertRule, data: dict, user, request, action: str) -> AlertRule:
    from apps.audit.services import audit_record

    before = rule_state(rule) if rule.pk else None
    channels = data.pop("channels", None)
    for name, value in data.items():
        setattr(rule, name, value)
    problems = conditions.rule_problems(rule)
    if problems:
        raise RuleNotEvaluable(problems)
    with transaction.atomic():
        if rule.pk is None:
            rule.created_by = user if getattr(user, "is_authenticated", False) else None
        rule.save()
        if channels is not None:
            rule.channels.set(channels)
        audit_record(
            action=action, user=user, obj=rule, before=before, after=rule_state(rule), request=request
        )
    return rule


def rule_create(*, data: dict, user, request=None) -> AlertRule:
    """A new rule from ``data`` (model fields, ``channels``: Channel rows). Raises :class:`RuleNotEvaluable`
    (nothing written) for a rule that cannot be evaluated; audited ``alert_rule.create``."""
    return _rule_save(
        rule=AlertRule(), data=dict(data), user=user, request=request, action="alert_rule.create"
    )


def rule_update(*, rule: AlertRule, data: dict, user, request=None) -> AlertRule:
    """Change ``rule`` (as :func:`rule_create`); audited ``alert_rule.update`` with before / after."""
    return _rule_save(rule=rule, data=dict(data), user=user, request=request, action="alert_rule.update")


def rule_delete(*, rule: AlertRule, user, request=None) -> None:
    """Delete ``rule`` and its alerts; audited ``alert_rule.delete``."""
    from apps.audit.services import audit_record

    with transaction.atomic():
        audit_record(
            action="alert_rule.delete", user=user, obj=rule, before=rule_state(rule), request=request
        )
        rule.delete()


# --- channels ------------------------------------------------------------------------------------------
def channel_save(*, channel: Channel, data: dict, secret: str = "", user, request=None) -> Channel:
    """Create or change ``channel``. ``secret``: a new signing secret (empty keeps the one stored). The
    audit entry says whether a secret is set, never its value."""
    from apps.audit.services import audit_record

    creating = channel.pk is None
    before = None if creating else channel_state(channel)
    for name, value in data.items():
        setattr(channel, name, value)
    if secret:
        channel.secret = secret
    with transaction.atomic():
        channel.save()
        audit_record(
            action="alert_channel.create" if creating else "alert_channel.update",
            user=user,
            obj=channel,
            before=before,
            after=channel_state(channel),
            request=request,
        )
    return channel


# --- acknowledge, snooze -------------------------------------------------------------------------------
class AlertNotActive(ValueError):
    pass


def alert_acknowledge(*, alert: Alert, user, request=None) -> Alert:
    """Mark an open alert acknowledged by ``user`` now (it stays until its condition clears). Raises
    :class:`AlertNotActive` for a resolved alert; audited ``alert.acknowledge``."""
    from apps.audit.services import audit_record

    with transaction.atomic():
        alert = Alert.objects.select_for_update().select_related("rule").get(pk=alert.pk)
        if alert.state == Alert.State.RESOLVED:
            raise AlertNotActive("This alert has resolved: there is nothing to acknowledge.")
        before = {"state": alert.state}
        if alert.state == Alert.State.OPEN:
            alert.state = Alert.State.ACKNOWLEDGED
            alert.acknowledged_by = user
            alert.acknowledged_at = timezone.now()
            alert.save(update_fields=["state", "acknowledged_by", "acknowledged_at"])
        audit_record(
            action="alert.acknowledge",
            user=user,
            obj=alert,
            before=before,
            after={"state": alert.state, "acknowledged_at": alert.acknowledged_at.isoformat()},
            request=request,
        )
    return alert


def alert_snooze(*, alert: Alert, minutes: int, user, request=None) -> Alert:
    """Hide an active alert from the bell and silence its notifications for ``minutes`` (0 ends a
    snooze). Audited ``alert.snooze``."""
    from apps.audit.services import audit_record

    with transaction.atomic():
        alert = Alert.objects.select_for_update().select_related("rule").get(pk=alert.pk)
        if alert.state == Alert.State.RESOLVED:
            raise AlertNotActive("This alert has resolved: there is nothing to snooze.")
        before = {"snoozed_until": alert.snoozed_until.isoformat() if alert.snoozed_until else None}
        alert.snoozed_until = timezone.now() + timedelta(minutes=minutes) if minutes > 0 else None
        alert.save(update_fields=["snoozed_until"])
        after = {"snoozed_until": alert.snoozed_until.isoformat() if alert.snoozed_until else None}
        audit_record(action="alert.snooze", user=user, obj=alert, before=before, after=after, request=request)
    return alert


# --- evaluation ----------------------------------------------------------------------------------------
@dataclass
class Evaluation:
    rule_id: int
    firing: int = 0
    opened: list[int] = field(default_factory=list)
    reopened: int = 0
    resolved: list[int] = field(default_factory=list)
    error: str = ""


def _chunks(items: list, size: int | None = None):
    size = size or min(connection.features.max_query_params or 10_000, 10_000) - 10
    for i in range(0, len(items), size):
        yield items[i : i + size]


def rule_evaluate(*, rule: AlertRule, now: datetime | None = None, notify: bool = True) -> Evaluation:
    """Evaluate ``rule`` once: an alert opens for each subject the condition newly fires for (or the one
    that resolved within the cool-down comes back, silently), and each active alert whose subject no longer
    fires resolves. A fixed number of queries whatever the number of SIMs (inserts and updates in batches
    of up to 10,000 rows). ``notify``: queue the deliveries of the rule's channels (after commit)."""
    now = now or timezone.now()
    result = Evaluation(rule_id=rule.pk)
    try:
        firing = conditions.evaluate(rule, now)
    except conditions.NotEvaluable as exc:
        result.error = str(exc)
        logger.warning("alert rule %s skipped: %s", rule.pk, exc)
        return result
    result.firing = len(firing)
    with transaction.atomic():
        AlertRule.objects.select_for_update().filter(pk=rule.pk).values_list("pk").first()  # one at a time
        active = {
            (t, s): (pk, snoozed)
            for pk, t, s, snoozed in Alert.objects.filter(rule=rule, state__in=Alert.ACTIVE).values_list(
                "pk", "subject_type", "subject_id", "snoozed_until"
            )
        }
        new_keys = [k for k in firing if k not in active]
        gone = [pk for k, (pk, _) in active.items() if k not in firing]
        quiet = {pk for k, (pk, snoozed) in active.items() if k not in firing and snoozed and snoozed > now}
        recent: dict = {}
        if new_keys and rule.cooldown_minutes:
            since = now - timedelta(minutes=rule.cooldown_minutes)
            for pk, t, s in (
                Alert.objects.filter(rule=rule, state=Alert.State.RESOLVED, resolved_at__gte=since)
                .order_by("resolved_at", "pk")
                .values_list("pk", "subject_type", "subject_id")
            ):
                recent[(t, s)] = pk  # the newest resolved alert of each subject
        reopen = [recent[k] for k in new_keys if k in recent]
        opened = _alerts_insert(
            rule=rule, now=now, rows=[(k, firing[k]) for k in new_keys if k not in recent]
        )
        for chunk in _chunks(reopen):
            Alert.objects.filter(pk__in=chunk).update(
                state=Alert.State.OPEN,
                resolved_at=None,
                acknowledged_by=None,
                acknowledged_at=None,
                reopened=F("reopened") + 1,
            )
        _alerts_resolve(ids=gone, now=now)
        AlertRule.objects.filter(pk=rule.pk).update(last_evaluated_at=now)
        result.opened = opened
        result.reopened = len(reopen)
        result.resolved = gone
        if notify:
            resolved_notified = [pk for pk in gone if pk not in quiet] if rule.notify_on_resolve else []
            deliveries = deliveries_create(
                rule=rule, opened=result.opened, resolved=resolved_notified, now=now
            )
            if deliveries:
                from .tasks import deliver_task

                ids = [d.pk for d in deliveries]
                transaction.on_commit(lambda: [deliver_task.delay(pk) for pk in ids])
    return result


_COPY_COLUMNS = (
    "rule_id",
    "subject_type",
    "subject_id",
    "subject_label",
    "fleet_sid",
    "state",
    "opened_at",
    "reopened",
    "message",
    "value",
    "values",
)


def _alerts_insert(*, rule: AlertRule, now: datetime, rows: list) -> list[int]:
    """Insert the new alerts of one evaluation; returns their ids. PostgreSQL: one ``COPY`` (28,000 alerts
    in a fraction of the time of 5,000-row INSERTs, whose parameters Django prepares one by one); other
    databases: ``bulk_create``."""
    if not rows:
        return []
    if connection.vendor != "postgresql":
        created = Alert.objects.bulk_create(
            [
                Alert(
                    rule=rule,
                    subject_type=key[0],
                    subject_id=key[1],
                    subject_label=f.label[:255],
                    fleet_sid=f.fleet_sid,
                    opened_at=now,
                    message=f.message[:500],
                    value=f.value,
                    values=f.values,
                )
                for key, f in rows
            ],
            batch_size=5000,
        )
        return [a.pk for a in created]
    import json

    qn = connection.ops.quote_name
    columns = ", ".join(qn(c) for c in _COPY_COLUMNS)
    copy_sql = f"COPY {qn(Alert._meta.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(copy_sql) as copy:
        for (subject_type, subject_id), f in rows:
            copy.write_row(
                (
                    rule.pk,
                    subject_type,
                    subject_id,
                    f.label[:255],
                    f.fleet_sid,
                    Alert.State.OPEN.value,
                    now,
                    0,
                    f.message[:500],
                    f.value,
                    json.dumps(f.values),
                )
            )
    return list(
        Alert.objects.filter(rule=rule, state=Alert.State.OPEN, opened_at=now, reopened=0).values_list(
            "pk", flat=True
        )
    )


def _alerts_resolve(*, ids: list[int], now: datetime) -> None:
    """Resolve the alerts ``ids``: PostgreSQL, one UPDATE with the ids as one array parameter; elsewhere
    chunks of ``pk__in`` (the database's parameter limit)."""
    if not ids:
        return
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(Alert._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET state = %s, resolved_at = %s WHERE id = ANY(%s)",  # noqa: S608 - model table
                [Alert.State.RESOLVED.value, now, ids],
            )
        return
    for chunk in _chunks(ids):
        Alert.objects.filter(pk__in=chunk).update(state=Alert.State.RESOLVED, resolved_at=now)


def alerts_evaluate(*, now: datetime | None = None, kinds: list[str] | None = None) -> list[Evaluation]:
    """Evaluate every enabled rule (of the condition ``kinds`` given, else all), each in its own
    transaction; one rule's failure never stops the others."""
    rules = AlertRule.objects.filter(enabled=True).order_by("pk")
    if kinds:
        rules = rules.filter(condition__in=kinds)
    results = []
    for rule in rules:
        try:
            results.append(rule_evaluate(rule=rule, now=now))
        except Exception as exc:  # noqa: BLE001 - a broken rule is logged, the next ones still run
            logger.exception("alert rule %s failed to evaluate", rule.pk)
            results.append(Evaluation(rule_id=rule.pk, error=f"{type(exc).__name__}: {exc}"))
    return results


#: what each trigger's new data can change
TRIGGER_KINDS = {
    "usage": [
        Condition.USAGE_PERCENT,
        Condition.USAGE_MB,
        Condition.OFFLINE,
        Condition.NEVER_CONNECTED,
        Condition.SYNC_FAILING,
        Condition.SYNC_OVERDUE,
    ],
    "events": [
        Condition.OFFLINE,
        Condition.NEVER_CONNECTED,
        Condition.ATTACH_REJECTED,
        Condition.IMEI_CHANGED,
    ],
    "sync": [Condition.SYNC_FAILING, Condition.SYNC_OVERDUE, Condition.STATUS_CHANGED],
}


# --- deliveries ----------------------------------------------------------------------------------------
def deliveries_create(*, rule: AlertRule, opened: list[int], resolved: list[int], now=None) -> list[Delivery]:
    """The notifications of one evaluation, per enabled channel of ``rule`` (in-app channels need none:
    the bell and the alerts page show every alert): one per alert, or one digest when more than the
    channel's ``digest_threshold`` alerts opened (or resolved) at once."""
    now = now or timezone.now()
    rows: list[Delivery] = []
    if not opened and not resolved:
        return rows
    for channel in rule.channels.filter(enabled=True).exclude(kind=Channel.Kind.IN_APP):
        for kind, ids in ((Delivery.Kind.OPENED, opened), (Delivery.Kind.RESOLVED, resolved)):
            if not ids:
                continue
            if len(ids) > channel.digest_threshold:
                rows.append(
                    Delivery(
                        channel=channel,
                        rule=rule,
                        kind=Delivery.Kind.DIGEST,
                        alert_ids={
                            "event": kind,
                            "ids": ids[: settings.ALERT_DIGEST_MAX_IDS],
                            "count": len(ids),
                        },
                        created_at=now,
                    )
                )
            else:
                rows.extend(
                    Delivery(channel=channel, rule=rule, alert_id=pk, kind=kind, created_at=now) for pk in ids
                )
    return Delivery.objects.bulk_create(rows, batch_size=1000)


def delivery_record_attempt(
    *, delivery: Delivery, ok: bool, http_status=None, error: str = "", ms: int = 0, final: bool
):
    """Log one attempt; on success mark the delivery sent and the channel healthy; on a final failure mark
    the delivery failed, and the channel failing after ``ALERT_CHANNEL_FAILING_AFTER`` failed attempts in a
    row (alerts are still recorded); every final failure is audited ``alert.delivery_failed``."""
    from apps.audit.services import audit_record

    from .models import DeliveryAttempt

    now = timezone.now()
    with transaction.atomic():
        DeliveryAttempt.objects.create(
            delivery=delivery, at=now, success=ok, http_status=http_status, error=error[:2000], duration_ms=ms
        )
        delivery.attempts += 1
        channel = delivery.channel
        if ok:
            delivery.status, delivery.sent_at, delivery.last_error = Delivery.Status.SENT, now, ""
            Channel.objects.filter(pk=channel.pk).update(
                consecutive_failures=0, failing=False, last_success_at=now
            )
        else:
            delivery.last_error = error[:2000]
            failures = channel.consecutive_failures + 1
            channel.consecutive_failures = failures
            Channel.objects.filter(pk=channel.pk).update(
                consecutive_failures=F("consecutive_failures") + 1,
                failing=failures >= settings.ALERT_CHANNEL_FAILING_AFTER,
                last_error=error[:2000],
                last_failure_at=now,
            )
            if final:
                delivery.status = Delivery.Status.FAILED
                audit_record(
                    action="alert.delivery_failed",
                    obj=channel,
                    source="system",
                    success=False,
                    requested={"delivery": delivery.pk, "kind": delivery.kind, "attempts": delivery.attempts},
                    message=f"{delivery.get_kind_display()} to {channel} failed after {delivery.attempts} "
                    f"attempts: {error[:300]}",
                )
        delivery.save(update_fields=["status", "sent_at", "attempts", "last_error"])
    return delivery
