"""The alerts pages and their roles: viewers read alerts, operators acknowledge / snooze and see rules and
channels, admins define them; bad rules are refused with a clear message; secrets are never shown."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.alerts.models import Alert, AlertRule, Channel
from apps.audit.models import AuditEvent
from apps.fleets.tests.factories import FleetFactory
from apps.sims.tests.factories import SimFactory

from .factories import channel, rule

pytestmark = pytest.mark.django_db
LIST = reverse("alerts:alert_list")
BELL = reverse("alerts:bell")
SECRET = "very-secret-signing-key-42"


@pytest.fixture
def alerts():
    fleet = FleetFactory(unique_name="fleet-a", data_limit=100)
    sims = [SimFactory(unique_name=f"sim-{i}", fleet=fleet) for i in range(3)]
    r1 = rule(name="near limit", scope="fleet", fleet=fleet)
    r2 = rule(name="offline", condition="offline", threshold=24)
    rows = [
        Alert.objects.create(rule=r1, subject_type="sim", subject_id=sims[0].sid, subject_label="sim-0"),
        Alert.objects.create(rule=r1, subject_type="sim", subject_id=sims[1].sid, subject_label="sim-1"),
        Alert.objects.create(rule=r2, subject_type="sim", subject_id=sims[2].sid, subject_label="sim-2"),
        Alert.objects.create(
            rule=r2, subject_type="sim", subject_id=sims[0].sid, subject_label="sim-0", state="resolved"
        ),
    ]
    return {"rules": (r1, r2), "alerts": rows, "sims": sims, "fleet": fleet}


def ids(response) -> list[int]:
    return sorted(row.record.pk for row in response.context["table"].page.object_list)


def test_viewer_reads_the_list_filtered_by_state_rule_scope_and_sim(viewer_client, alerts):
    a = alerts["alerts"]
    r1, r2 = alerts["rules"]
    assert ids(viewer_client.get(LIST)) == sorted(x.pk for x in a[:3])  # open + acknowledged by default
    assert ids(viewer_client.get(LIST, {"state": "resolved"})) == [a[3].pk]
    assert ids(viewer_client.get(LIST, {"state": "all", "rule": r2.pk})) == [a[2].pk, a[3].pk]
    assert ids(viewer_client.get(LIST, {"scope": "fleet"})) == [a[0].pk, a[1].pk]
    assert ids(viewer_client.get(LIST, {"state": "all", "sim": alerts["sims"][0].sid})) == [a[0].pk, a[3].pk]
    assert ids(viewer_client.get(LIST, {"id": a[3].pk})) == [a[3].pk]  # a notification's link
    page = viewer_client.get(LIST).content.decode()
    assert "near limit" in page and "data-alert-ack" not in page  # a viewer gets no buttons


def test_bell_counts_open_unsnoozed_alerts(viewer_client, operator_client, alerts):
    response = viewer_client.get(BELL)
    assert response.status_code == 200 and 'data-count="3"' in response.content.decode()
    a = alerts["alerts"]
    operator_client.post(reverse("alerts:alert_acknowledge", args=[a[0].pk]))
    operator_client.post(reverse("alerts:alert_snooze", args=[a[1].pk]), {"minutes": 60})
    assert 'data-count="1"' in viewer_client.get(BELL).content.decode()


def test_viewer_cannot_acknowledge(viewer_client, alerts):
    a = alerts["alerts"][0]
    assert viewer_client.post(reverse("alerts:alert_acknowledge", args=[a.pk])).status_code == 403
    a.refresh_from_db()
    assert a.state == "open"


def test_operator_acknowledges_and_snoozes_audited(operator_client, operator, alerts):
    a = alerts["alerts"][0]
    assert "data-alert-ack" in operator_client.get(LIST).content.decode()
    response = operator_client.post(reverse("alerts:alert_acknowledge", args=[a.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response["HX-Refresh"] == "true"
    a.refresh_from_db()
    assert (a.state, a.acknowledged_by, a.acknowledged_at is not None) == ("acknowledged", operator, True)
    entry = AuditEvent.objects.get(action="alert.acknowledge")
    assert entry.username == operator.username and entry.after["state"] == "acknowledged"

    response = operator_client.post(reverse("alerts:alert_snooze", args=[a.pk]), {"minutes": "120"})
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.is_snoozed() and AuditEvent.objects.filter(action="alert.snooze").count() == 1
    bad = operator_client.post(reverse("alerts:alert_snooze", args=[a.pk]), {"minutes": "lots"}, follow=True)
    assert "Snooze for 0 to 10080 minutes" in bad.content.decode()

    resolved = alerts["alerts"][3]
    page = operator_client.post(reverse("alerts:alert_acknowledge", args=[resolved.pk]), follow=True)
    assert "nothing to acknowledge" in page.content.decode()


def test_operator_sees_rules_and_channels_but_cannot_change_them(operator_client, alerts):
    assert "near limit" in operator_client.get(reverse("alerts:rule_list")).content.decode()
    assert operator_client.get(reverse("alerts:channel_list")).status_code == 200
    assert operator_client.get(reverse("alerts:rule_create")).status_code == 403
    r1 = alerts["rules"][0]
    assert operator_client.post(reverse("alerts:rule_edit", args=[r1.pk]), {"name": "x"}).status_code == 403
    assert operator_client.post(reverse("alerts:channel_create"), {"name": "x"}).status_code == 403


def _rule_post(**overrides):
    data = {
        "name": "warn at 80",
        "enabled": "on",
        "condition": "usage_percent",
        "scope": "fleet",
        "threshold": "80",
        "cooldown_minutes": "60",
        "notify_on_resolve": "on",
    }
    data.update(overrides)
    return data


def test_admin_creates_a_rule_audited(admin_role_client, admin_member):
    fleet = FleetFactory(data_limit=500)
    mail = channel(kind="email", target="a@example.com")
    response = admin_role_client.post(
        reverse("alerts:rule_create"), _rule_post(fleet=fleet.sid, channels=[mail.pk])
    )
    assert response.status_code == 302
    r = AlertRule.objects.get(name="warn at 80")
    assert (r.fleet_id, float(r.threshold), list(r.channels.all())) == (fleet.sid, 80.0, [mail])
    entry = AuditEvent.objects.get(action="alert_rule.create")
    assert entry.username == admin_member.username and entry.after["channels"] == [mail.name]

    response = admin_role_client.post(
        reverse("alerts:rule_edit", args=[r.pk]), _rule_post(fleet=fleet.sid, threshold="90")
    )
    assert response.status_code == 302
    entry = AuditEvent.objects.get(action="alert_rule.update")
    assert (entry.before["threshold"], entry.after["threshold"]) == ("80.00", "90.00")


def test_rules_that_cannot_be_evaluated_are_refused(admin_role_client):
    no_limit = FleetFactory(data_limit=None)
    response = admin_role_client.post(reverse("alerts:rule_create"), _rule_post(fleet=no_limit.sid))
    assert response.status_code == 422
    assert "This fleet has no data limit" in response.content.decode()
    limited = FleetFactory(data_limit=100)
    response = admin_role_client.post(
        reverse("alerts:rule_create"), _rule_post(fleet=limited.sid, threshold="120")
    )
    assert response.status_code == 422
    assert "cannot be over 100" in response.content.decode()
    response = admin_role_client.post(
        reverse("alerts:rule_create"), _rule_post(scope="fleet", condition="job_failed", fleet=limited.sid)
    )
    assert "about the whole system" in response.content.decode()
    assert (
        AlertRule.objects.count() == 0
        and not AuditEvent.objects.filter(action__startswith="alert_rule").exists()
    )


def test_channel_secret_is_never_shown_after_saving(admin_role_client):
    response = admin_role_client.post(
        reverse("alerts:channel_create"),
        {
            "name": "ops hook",
            "kind": "webhook",
            "target": "https://hooks.example.com/x",
            "format": "json",
            "secret": SECRET,
            "digest_threshold": "10",
            "enabled": "on",
        },
    )
    assert response.status_code == 302
    ch = Channel.objects.get()
    assert ch.secret == SECRET
    for url in (reverse("alerts:channel_edit", args=[ch.pk]), reverse("alerts:channel_detail", args=[ch.pk])):
        page = admin_role_client.get(url).content.decode()
        assert SECRET not in page and ("A secret is saved" in page or "set (never shown)" in page)
    # saving again without a secret keeps it
    admin_role_client.post(
        reverse("alerts:channel_edit", args=[ch.pk]),
        {
            "name": "ops hook",
            "kind": "webhook",
            "target": "https://hooks.example.com/y",
            "format": "slack",
            "digest_threshold": "5",
        },
    )
    ch.refresh_from_db()
    assert (ch.secret, ch.format, ch.enabled) == (SECRET, "slack", False)
    entries = AuditEvent.objects.filter(action__startswith="alert_channel.")
    assert entries.count() == 2 and all(SECRET not in str(e.after) for e in entries)
    assert entries.get(action="alert_channel.update").after["signing_key_saved"] is True


def test_bad_channel_targets_are_refused(admin_role_client):
    response = admin_role_client.post(
        reverse("alerts:channel_create"),
        {"name": "m", "kind": "email", "target": "not-an-address", "format": "json", "digest_threshold": "1"},
    )
    assert response.status_code == 422 and "is not an email address" in response.content.decode()
    response = admin_role_client.post(
        reverse("alerts:channel_create"),
        {"name": "w", "kind": "webhook", "target": "ftp://x", "format": "json", "digest_threshold": "1"},
    )
    assert response.status_code == 422 and "http(s) URL" in response.content.decode()
    assert Channel.objects.count() == 0


def test_operator_evaluates_a_rule_now(operator_client, alerts):
    r1 = alerts["rules"][0]
    response = operator_client.post(reverse("alerts:rule_evaluate", args=[r1.pk]), follow=True)
    # no usage recorded: both open alerts of the rule resolve
    assert "0 opened, 2 resolved" in response.content.decode()
    assert Alert.objects.filter(rule=r1, state="resolved").count() == 2
