"""Notifications through real local servers: email to an SMTP server (aiosmtpd) the test starts, webhooks
to an HTTP receiver the test starts (signature, retries after a 500, digests, Slack / Teams payloads)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest

from apps.alerts.models import Alert, Channel, Delivery, DeliveryAttempt
from apps.alerts.services import rule_evaluate
from apps.audit.models import AuditEvent
from apps.fleets.tests.factories import FleetFactory
from apps.sims.tests.factories import SimFactory

from .factories import channel, rule, usage
from .receivers import HttpReceiver, SmtpServer

pytestmark = pytest.mark.django_db
SECRET = "channel-secret-0123456789"


@pytest.fixture
def fleet_over(settings):
    """Fleet (limit 100 MB) with SIMs s1 at 90 MB, s2 at 95 MB, s3 at 99 MB, s4 at 10 MB."""
    settings.PUBLIC_BASE_URL = "https://dash.example.com"
    fleet = FleetFactory(unique_name="fleet", data_limit=100)
    sims = [SimFactory(unique_name=f"s{i}", fleet=fleet) for i in (1, 2, 3, 4)]
    for sim, mb in zip(sims, (90, 95, 99, 10), strict=True):
        usage(sim.sid, mb)
    return fleet, sims


def evaluate(r, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return rule_evaluate(rule=r)


def test_email_through_a_real_smtp_server(settings, fleet_over, django_capture_on_commit_callbacks):
    fleet, sims = fleet_over
    with SmtpServer() as smtp:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp.port
        settings.DEFAULT_FROM_EMAIL = "alerts@example.com"
        mail = channel(kind="email", target="oncall@example.com, ops@example.com", digest_threshold=10)
        r = rule(name="near limit", scope="fleet", fleet=fleet, threshold=95, channels=[mail])
        evaluate(r, django_capture_on_commit_callbacks)
    assert len(smtp.messages) == 2  # s2 and s3: one email each
    envelope = smtp.messages[0]
    assert envelope.mail_from == "alerts@example.com"
    assert envelope.rcpt_tos == ["oncall@example.com", "ops@example.com"]
    texts = sorted(m.content.decode() for m in smtp.messages)
    assert (
        "Subject: [Super SIM] near limit - s2" in texts[0] and "95.0 % of the fleet's data limit" in texts[0]
    )
    assert "https://dash.example.com/alerts/?id=" in texts[0]
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}


def test_email_digest_when_more_than_k_open(settings, fleet_over, django_capture_on_commit_callbacks):
    fleet, _ = fleet_over
    with SmtpServer() as smtp:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp.port
        mail = channel(kind="email", target="oncall@example.com", digest_threshold=2)
        r = rule(name="near limit", scope="fleet", fleet=fleet, threshold=80, channels=[mail])
        evaluate(r, django_capture_on_commit_callbacks)
    assert len(smtp.messages) == 1  # 3 alerts > 2: one digest
    text = smtp.messages[0].content.decode()
    assert "Subject: [Super SIM] 3 alerts opened: near limit" in text
    for name in ("s1", "s2", "s3"):
        assert f"- {name}: " in text
    assert f"https://dash.example.com/alerts/?rule={r.pk}&state=open" in text


def test_webhook_signed_and_retried_after_a_500(settings, fleet_over, django_capture_on_commit_callbacks):
    fleet, sims = fleet_over
    settings.ALERT_DELIVERY_MAX_RETRIES = 3
    with HttpReceiver(statuses=(500, 200)) as hook:
        web = channel(kind="webhook", target=hook.url, secret=SECRET, digest_threshold=10)
        r = rule(name="at 99", scope="fleet", fleet=fleet, threshold=99, channels=[web])
        evaluate(r, django_capture_on_commit_callbacks)
    assert len(hook.requests) == 2  # a 500, then the retry
    headers, body = hook.requests[1]
    assert hook.requests[0][1] == body
    ts = headers["x-alert-timestamp"]
    expected = hmac.new(SECRET.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    assert headers["x-alert-signature"] == f"sha256={expected}"
    assert abs(int(ts) - time.time()) < 60
    payload = json.loads(body)
    assert payload["event"] == "alert.opened" and payload["count"] == 1
    assert payload["alerts"][0]["subject_id"] == sims[2].sid and payload["alerts"][0]["value"] == 99.0
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("sent", 2)
    attempts = list(DeliveryAttempt.objects.order_by("at", "id").values_list("success", "http_status"))
    assert attempts == [(False, 500), (True, 200)]
    assert Channel.objects.get().failing is False


def test_webhook_digest_and_resolve(settings, fleet_over, django_capture_on_commit_callbacks):
    fleet, sims = fleet_over
    with HttpReceiver() as hook:
        web = channel(kind="webhook", target=hook.url, secret=SECRET, digest_threshold=2)
        r = rule(scope="fleet", fleet=fleet, threshold=80, channels=[web], notify_on_resolve=True)
        evaluate(r, django_capture_on_commit_callbacks)
        assert len(hook.requests) == 1
        digest = hook.json(0)
        assert digest["event"] == "alert.digest" and digest["count"] == 3
        assert sorted(a["subject"] for a in digest["alerts"]) == ["s1", "s2", "s3"]
        r.threshold = 96  # s1 and s2 clear
        r.save()
        evaluate(r, django_capture_on_commit_callbacks)
    assert len(hook.requests) == 3  # two resolves (2 is not more than K=2)
    resolved = sorted(hook.json(i)["alerts"][0]["subject"] for i in (1, 2))
    assert resolved == ["s1", "s2"] and {hook.json(i)["event"] for i in (1, 2)} == {"alert.resolved"}


def test_slack_and_teams_payloads(fleet_over, django_capture_on_commit_callbacks):
    fleet, _ = fleet_over
    with HttpReceiver() as hook:
        slack = channel(kind="webhook", format="slack", target=hook.url)
        teams = channel(kind="webhook", format="teams", target=hook.url)
        r = rule(name="at 99", scope="fleet", fleet=fleet, threshold=99, channels=[slack, teams])
        evaluate(r, django_capture_on_commit_callbacks)
    bodies = [json.loads(body) for _, body in hook.requests]
    slack_body = next(b for b in bodies if "text" in b)
    teams_body = next(b for b in bodies if b.get("type") == "message")
    assert slack_body["text"].startswith("[Super SIM] at 99 - s3")
    card = teams_body["attachments"][0]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert card["content"]["body"][0]["text"] == "[Super SIM] at 99 - s3"
    assert "x-alert-signature" not in hook.requests[0][0]  # no secret: unsigned


def test_a_failing_channel_is_marked_and_audited(settings, fleet_over, django_capture_on_commit_callbacks):
    fleet, _ = fleet_over
    settings.ALERT_DELIVERY_MAX_RETRIES = 2
    settings.ALERT_CHANNEL_FAILING_AFTER = 3
    with HttpReceiver(statuses=(503,)) as hook:
        web = channel(kind="webhook", target=hook.url, secret=SECRET)
        r = rule(scope="fleet", fleet=fleet, threshold=99, channels=[web])
        evaluate(r, django_capture_on_commit_callbacks)
    assert len(hook.requests) == 3  # the first try and 2 retries
    web.refresh_from_db()
    assert web.failing and web.consecutive_failures == 3 and "HTTP 503" in web.last_error
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("failed", 3)
    entry = AuditEvent.objects.get(action="alert.delivery_failed")
    assert entry.success is False and entry.object_repr == web.name and "after 3 attempts" in entry.message
    assert Alert.objects.filter(rule=r, state="open").count() == 1  # the alert is recorded all the same
