"""Each condition, evaluated set-based over the local tables, written out row by row here."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from apps.alerts.models import Alert
from apps.alerts.services import rule_evaluate
from apps.audit.services import audit_record
from apps.core.models import Job
from apps.events.models import ConnectionEvent, SimConnectionState
from apps.fleets.tests.factories import FleetFactory
from apps.sims.tests.factories import BillingPeriodFactory, SimFactory
from apps.sync.models import SyncRun

from .factories import rule, today, usage

pytestmark = pytest.mark.django_db


def ago(**kwargs):
    return timezone.now() - dt.timedelta(**kwargs)


def active_subjects(r) -> set[str]:
    return set(Alert.objects.filter(rule=r, state__in=Alert.ACTIVE).values_list("subject_id", flat=True))


@pytest.fixture
def fleets():
    """Fleet A (limit 100 MB): SIMs a1 at 85 MB, a2 at 50 MB; fleet B (limit 10 MB): b1 at 9 MB;
    fleet N (no limit): n1 at 500 MB."""
    a = FleetFactory(unique_name="fleet-a", data_limit=100)
    b = FleetFactory(unique_name="fleet-b", data_limit=10)
    n = FleetFactory(unique_name="fleet-n", data_limit=None)
    sims = {
        "a1": SimFactory(unique_name="a1", fleet=a),
        "a2": SimFactory(unique_name="a2", fleet=a),
        "b1": SimFactory(unique_name="b1", fleet=b),
        "n1": SimFactory(unique_name="n1", fleet=n),
    }
    usage(sims["a1"].sid, 85)
    usage(sims["a2"].sid, 50)
    usage(sims["b1"].sid, 9)
    usage(sims["n1"].sid, 500)
    return {"a": a, "b": b, "n": n, **sims}


def test_usage_percent_fleet_and_account_scope(fleets):
    fleet_rule = rule(scope="fleet", fleet=fleets["a"], threshold=80)
    result = rule_evaluate(rule=fleet_rule)
    assert active_subjects(fleet_rule) == {fleets["a1"].sid}
    assert result.firing == 1 and len(result.opened) == 1
    alert = Alert.objects.get(rule=fleet_rule)
    assert alert.value == 85.0 and alert.fleet_sid == fleets["a"].sid and alert.subject_label == "a1"
    assert "85.0 % of the fleet's data limit" in alert.message

    account_rule = rule(scope="account", threshold=80)
    rule_evaluate(rule=account_rule)
    # b1 (90 % of 10 MB) too; n1's fleet has no limit: not concerned
    assert active_subjects(account_rule) == {fleets["a1"].sid, fleets["b1"].sid}


def test_usage_percent_counts_from_the_sims_billing_period(fleets):
    """a2's billing period started today: yesterday's usage is not in it (and a1 has no period: month)."""
    BillingPeriodFactory(sim=fleets["a2"], start_time=today(), end_time=today() + dt.timedelta(days=30))
    usage(fleets["a2"].sid, 40, day=today() - dt.timedelta(days=1))  # before its period
    r = rule(scope="fleet", fleet=fleets["a"], threshold=50)
    rule_evaluate(rule=r)
    assert active_subjects(r) == {fleets["a1"].sid, fleets["a2"].sid}  # a2: 50 MB today = 50 %
    r.threshold = 51
    r.save()
    rule_evaluate(rule=r)
    assert active_subjects(r) == {fleets["a1"].sid}


def test_one_alert_per_subject_then_resolve_and_cooldown(fleets):
    r = rule(scope="fleet", fleet=fleets["a"], threshold=80, cooldown_minutes=30)
    rule_evaluate(rule=r)
    second = rule_evaluate(rule=r)
    assert second.opened == [] and Alert.objects.filter(rule=r).count() == 1  # still one

    r.threshold = 90  # a1 (85 %) no longer fires: its alert resolves by itself
    r.save()
    resolved = rule_evaluate(rule=r)
    alert = Alert.objects.get(rule=r)
    assert resolved.resolved == [alert.pk] and alert.state == "resolved" and alert.resolved_at is not None

    r.threshold = 80  # back within the cool-down: the same alert reopens, silently
    r.save()
    again = rule_evaluate(rule=r)
    alert.refresh_from_db()
    assert (again.opened, again.reopened) == ([], 1)
    assert Alert.objects.filter(rule=r).count() == 1 and alert.state == "open" and alert.reopened == 1


def test_without_cooldown_a_new_alert_opens(fleets):
    r = rule(scope="fleet", fleet=fleets["a"], threshold=80, cooldown_minutes=0)
    rule_evaluate(rule=r)
    r.threshold = 90
    r.save()
    rule_evaluate(rule=r)
    r.threshold = 80
    r.save()
    rule_evaluate(rule=r)
    assert list(Alert.objects.filter(rule=r).order_by("pk").values_list("state", flat=True)) == [
        "resolved",
        "open",
    ]


def test_a_fleet_that_lost_its_data_limit_is_skipped_with_a_reason(fleets):
    r = rule(scope="fleet", fleet=fleets["a"], threshold=80)
    type(fleets["a"]).objects.filter(pk=fleets["a"].pk).update(data_limit=None)
    result = rule_evaluate(rule=r)
    assert "no data limit" in result.error and Alert.objects.count() == 0


def test_usage_mb_per_day_and_period(fleets):
    # n1's billing period started 3 days ago: 100 MB 2 days ago + 500 MB today in it
    BillingPeriodFactory(sim=fleets["n1"], start_time=today() - dt.timedelta(days=3))
    usage(fleets["n1"].sid, 100, day=today() - dt.timedelta(days=2))
    day = rule(condition="usage_mb", threshold=50, usage_window="day")
    rule_evaluate(rule=day)
    assert active_subjects(day) == {fleets["a1"].sid, fleets["a2"].sid, fleets["n1"].sid}
    period = rule(condition="usage_mb", threshold=550, usage_window="period")
    rule_evaluate(rule=period)
    assert active_subjects(period) == {fleets["n1"].sid}
    assert Alert.objects.get(rule=period).value == 600.0
    day.threshold = 550
    day.save()
    rule_evaluate(rule=day)
    assert active_subjects(day) == set()


def test_offline_from_connection_events_and_from_usage():
    evented = SimFactory(unique_name="evented", date_created=ago(days=10))
    fresh = SimFactory(unique_name="fresh", date_created=ago(days=10))
    quiet = SimFactory(unique_name="quiet", date_created=ago(days=10))
    talking = SimFactory(unique_name="talking", date_created=ago(days=10))
    SimConnectionState.objects.create(
        sim_sid=evented.sid, attached_at=ago(hours=30), last_seen_at=ago(hours=30)
    )
    SimConnectionState.objects.create(sim_sid=fresh.sid, attached_at=ago(hours=1), last_seen_at=ago(hours=1))
    usage(quiet.sid, 5, day=today() - dt.timedelta(days=5))  # used data once, not since
    usage(talking.sid, 5)
    r = rule(condition="offline", threshold=24)
    rule_evaluate(rule=r)
    assert active_subjects(r) == {evented.sid, quiet.sid}
    alert = Alert.objects.get(rule=r, subject_id=evented.sid)
    assert alert.values == {"source": "connection events"} and 29.9 <= alert.value <= 30.1

    SimConnectionState.objects.filter(sim_sid=evented.sid).update(attached_at=ago(minutes=5))
    rule_evaluate(rule=r)
    assert active_subjects(r) == {quiet.sid}


def test_never_connected_after_activation():
    old = SimFactory(unique_name="old", date_created=ago(days=3), date_updated=ago(days=3))
    SimFactory(unique_name="new", date_created=ago(hours=2), date_updated=ago(hours=2))
    used = SimFactory(unique_name="used", date_created=ago(days=3), date_updated=ago(days=3))
    usage(used.sid, 1)
    SimFactory(unique_name="inactive", status="inactive", date_created=ago(days=3), date_updated=ago(days=3))
    r = rule(condition="never_connected", threshold=24)
    rule_evaluate(rule=r)
    assert active_subjects(r) == {old.sid}


def _event(sim, kind, at):
    return ConnectionEvent.objects.create(
        event_sid=f"EZ{ConnectionEvent.objects.count():032x}",
        ce_type=kind,
        type=kind,
        timestamp=at,
        sim_sid=sim.sid,
        iccid=sim.iccid,
    )


def test_attachment_rejected_n_times_in_m_minutes():
    flaky, once = SimFactory(), SimFactory()
    for minutes in (5, 10, 20):
        _event(flaky, "attachment.rejected", ago(minutes=minutes))
    _event(flaky, "attachment.rejected", ago(minutes=90))  # outside the window
    _event(once, "attachment.failed", ago(minutes=5))
    _event(once, "attachment.accepted", ago(minutes=4))
    r = rule(condition="attach_rejected", threshold=3, window_minutes=30)
    rule_evaluate(rule=r)
    assert active_subjects(r) == {flaky.sid}
    assert Alert.objects.get(rule=r).value == 3


def test_imei_changed_within_the_window():
    moved, long_ago = SimFactory(), SimFactory()
    SimConnectionState.objects.create(
        sim_sid=moved.sid, imei="111", imei_previous="222", imei_changed=True, imei_changed_at=ago(minutes=10)
    )
    SimConnectionState.objects.create(
        sim_sid=long_ago.sid, imei="3", imei_previous="4", imei_changed=True, imei_changed_at=ago(days=3)
    )
    r = rule(condition="imei_changed", window_minutes=1440)
    rule_evaluate(rule=r)
    assert active_subjects(r) == {moved.sid}
    assert Alert.objects.get(rule=r).values == {"imei": "111", "imei_previous": "222"}


def test_status_changed_by_whom(admin_member):
    sim, other = SimFactory(status="inactive"), SimFactory()
    audit_record(
        action="sim.update_status",
        user=admin_member,
        obj=sim,
        before={"status": "active"},
        after={"status": "inactive"},
    )
    audit_record(
        action="sim.rename", user=admin_member, obj=other, before={"status": "active"}, after={"status": "x"}
    )
    r = rule(condition="status_changed", window_minutes=60, status_to="inactive")
    rule_evaluate(rule=r)
    assert active_subjects(r) == {sim.sid}
    alert = Alert.objects.get(rule=r)
    assert f"from active to inactive by {admin_member.username}" in alert.message


def test_sync_failing_and_overdue():
    now = timezone.now()
    SyncRun.objects.create(resource="sims", status="succeeded", finished_at=now - dt.timedelta(hours=3))
    SyncRun.objects.create(
        resource="sims", status="failed", finished_at=now - dt.timedelta(minutes=5), error="boom"
    )
    SyncRun.objects.create(resource="fleets", status="failed", finished_at=now - dt.timedelta(hours=2))
    SyncRun.objects.create(resource="fleets", status="succeeded", finished_at=now - dt.timedelta(minutes=1))
    failing = rule(condition="sync_failing", threshold=None)
    rule_evaluate(rule=failing)
    assert active_subjects(failing) == {"sims"}
    assert "boom" in Alert.objects.get(rule=failing).message
    SyncRun.objects.filter(created_at__gte=now - dt.timedelta(seconds=5)).update(
        created_at=now - dt.timedelta(hours=4)
    )
    overdue = rule(condition="sync_overdue", threshold=60)
    rule_evaluate(rule=overdue)
    assert active_subjects(overdue) == {"sims"}  # last success 3 h ago; fleets 1 min ago


def test_job_finished_with_failures():
    now = timezone.now()
    partial = Job.objects.create(
        kind="sims.x", title="Bulk", status="partial", finished_at=now, failed=2, total=5
    )
    Job.objects.create(kind="sims.x", title="Fine", status="succeeded", finished_at=now)
    Job.objects.create(kind="sims.x", title="Old", status="failed", finished_at=now - dt.timedelta(days=3))
    r = rule(condition="job_failed", threshold=None, window_minutes=60)
    rule_evaluate(rule=r)
    assert active_subjects(r) == {str(partial.pk)}
    assert "2 of 5 items failed" in Alert.objects.get(rule=r).message
