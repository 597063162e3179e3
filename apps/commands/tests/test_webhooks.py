"""The webhook endpoints: signatures (Twilio, behind a proxy, KORE), replays, and what each callback does."""

from __future__ import annotations

import hashlib
from urllib.parse import urlencode

import pytest
from django.test import TestCase
from django.urls import reverse
from twilio.request_validator import RequestValidator

from apps.audit.models import AuditEvent
from apps.commands.models import IpCommand, SmsCommand, WebhookReceipt
from apps.commands.services import sms_command_send
from apps.commands.tests.factories import SmsCommandFactory
from apps.sims.models import Sim
from apps.sims.services import sim_from_api
from apps.supersim.client import get_client

TOKEN = "test-auth-token"


def signed_post(client, settings, name: str, params: dict, *, base: str = "http://testserver", **extra):
    """POST a callback signed as the configured provider signs it (``WEBHOOK_SIGNATURE_SCHEME``): Twilio's
    ``X-Twilio-Signature`` with the auth token, or KORE's ``kore-signature`` with the webhook secret (and a
    ``kore-idempotency-token`` derived from the body, as a retried delivery repeats it)."""
    path = reverse(f"webhooks:{name}")
    with TestCase.captureOnCommitCallbacks(execute=True):  # the processing task runs on commit
        if settings.WEBHOOK_SIGNATURE_SCHEME == "kore":
            body = urlencode(params)
            signature = hashlib.sha256(f"{settings.KORE_WEBHOOK_SECRET}POST{base}{path}{body}".encode())
            return client.post(
                path,
                body,
                content_type="application/x-www-form-urlencoded",
                HTTP_KORE_SIGNATURE=signature.hexdigest(),
                HTTP_KORE_IDEMPOTENCY_TOKEN=hashlib.sha256(body.encode()).hexdigest()[:32],
                **extra,
            )
        signature = RequestValidator(settings.TWILIO_AUTH_TOKEN).compute_signature(base + path, params)
        return client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature, **extra)


@pytest.fixture
def twilio_token(settings):
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.WEBHOOK_SIGNATURE_SCHEME = "twilio"
    settings.PUBLIC_BASE_URL = ""
    return TOKEN


def test_urls():
    assert reverse("webhooks:sms_commands") == "/webhooks/sms-commands/"
    assert reverse("webhooks:ip_commands") == "/webhooks/ip-commands/"
    assert reverse("webhooks:sim_status") == "/webhooks/sim-status/"
    assert reverse("webhooks:command_status") == "/webhooks/command-status/"
    assert reverse("webhooks:esim_status") == "/webhooks/esim-status/"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name", ["sms_commands", "ip_commands", "sim_status", "command_status", "esim_status"]
)
def test_invalid_signature_403_stores_nothing(client, twilio_token, name):
    params = {"SimSid": "HS" + "1" * 32, "Payload": "hello", "Status": "received"}
    response = client.post(
        reverse(f"webhooks:{name}"), params, HTTP_X_TWILIO_SIGNATURE="bm90IGEgc2lnbmF0dXJl"
    )
    assert response.status_code == 403
    response = client.post(reverse(f"webhooks:{name}"), params)  # no signature at all
    assert response.status_code == 403
    assert not WebhookReceipt.objects.exists()
    assert not SmsCommand.objects.exists() and not IpCommand.objects.exists()


@pytest.mark.django_db
def test_incoming_sms_stored_once(client, settings, twilio_token):
    params = {
        "SmsCommandSid": "HC" + "a" * 32,
        "SimSid": "HS" + "1" * 32,
        "Payload": "temp=21.5",
        "Status": "received",
        "Direction": "from_sim",
        "AccountSid": "AC" + "0" * 32,
    }
    response = signed_post(client, settings, "sms_commands", params)  # logged out: public endpoint
    assert response.status_code == 204 and response["X-Webhook-Result"] == "accepted"
    cmd = SmsCommand.objects.get(sid=params["SmsCommandSid"])
    assert cmd.payload == "temp=21.5" and cmd.direction == "from_sim" and cmd.status == "received"
    assert AuditEvent.objects.filter(action="smscommand.receive", source="webhook").count() == 1
    # Twilio retries: the same delivery again changes nothing
    response = signed_post(client, settings, "sms_commands", params)
    assert response.status_code == 204 and response["X-Webhook-Result"] == "duplicate"
    assert WebhookReceipt.objects.count() == 1
    assert AuditEvent.objects.filter(action="smscommand.receive").count() == 1


@pytest.mark.django_db
def test_incoming_ip_command_binary(client, settings, twilio_token):
    params = {
        "IpCommandSid": "HG" + "b" * 32,
        "SimSid": "HS" + "2" * 32,
        "SimIccid": "8900000000000000001",
        "Payload": "AQL/",
        "PayloadType": "binary",
        "DevicePort": "5000",
        "DeviceIp": "100.64.0.9",
    }
    assert signed_post(client, settings, "ip_commands", params).status_code == 204
    cmd = IpCommand.objects.get(sid=params["IpCommandSid"])
    assert cmd.direction == "from_sim" and cmd.device_port == 5000 and cmd.payload_type == "binary"


@pytest.mark.django_db
def test_command_status_moves_forward_never_back(client, settings, twilio_token):
    cmd = SmsCommandFactory(status="queued")
    base = {"SmsCommandSid": cmd.sid, "SimSid": cmd.sim_id}
    signed_post(
        client, settings, "command_status", base | {"Status": "sent", "DateUpdated": "2025-01-01T00:00:01Z"}
    )
    cmd.refresh_from_db()
    assert cmd.status == "sent"
    delivered = base | {"Status": "delivered", "DateUpdated": "2025-01-01T00:00:02Z"}
    signed_post(client, settings, "command_status", delivered)
    cmd.refresh_from_db()
    assert cmd.status == "delivered"
    # a late "sent" (out of order) does not move it back; a replay of "delivered" is a duplicate
    signed_post(
        client, settings, "command_status", base | {"Status": "sent", "DateUpdated": "2025-01-01T00:00:03Z"}
    )
    assert signed_post(client, settings, "command_status", delivered)["X-Webhook-Result"] == "duplicate"
    cmd.refresh_from_db()
    assert cmd.status == "delivered"
    assert AuditEvent.objects.filter(action="smscommand.status", source="webhook").count() == 2


@pytest.mark.django_db
def test_behind_a_proxy_public_base_url(client, settings, twilio_token):
    """Twilio signs the public https URL; the request reaches us as http://testserver behind the proxy."""
    settings.PUBLIC_BASE_URL = "https://admin.example.com"
    params = {"SmsCommandSid": "HC" + "c" * 32, "SimSid": "HS" + "1" * 32, "Payload": "x"}
    wrong = signed_post(client, settings, "sms_commands", params)  # signed over the internal http URL
    assert wrong.status_code == 403
    right = signed_post(client, settings, "sms_commands", params, base="https://admin.example.com")
    assert right.status_code == 204
    assert SmsCommand.objects.filter(sid=params["SmsCommandSid"]).exists()


@pytest.mark.django_db
def test_get_callbacks_are_signed_over_the_query(client, settings, twilio_token):
    params = {"SmsCommandSid": "HC" + "d" * 32, "SimSid": "HS" + "1" * 32, "Payload": "via get"}
    path = reverse("webhooks:sms_commands") + "?" + urlencode(params)
    signature = RequestValidator(TOKEN).compute_signature("http://testserver" + path, {})
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert client.get(path, HTTP_X_TWILIO_SIGNATURE=signature).status_code == 204
    assert SmsCommand.objects.get(sid=params["SmsCommandSid"]).payload == "via get"
    assert client.get(path, HTTP_X_TWILIO_SIGNATURE="x").status_code == 403


@pytest.mark.django_db
def test_kore_signature_and_idempotency_token(client, settings):
    settings.WEBHOOK_SIGNATURE_SCHEME = "kore"
    settings.KORE_WEBHOOK_SECRET = "secret12345"
    settings.PUBLIC_BASE_URL = "https://admin.example.com"
    path = reverse("webhooks:sms_commands")
    body = urlencode({"SmsCommandSid": "HC" + "e" * 32, "SimSid": "HS" + "1" * 32, "Payload": "kore"})
    url = "https://admin.example.com" + path
    good = hashlib.sha256(f"secret12345POST{url}{body}".encode()).hexdigest()
    ctype = "application/x-www-form-urlencoded"
    bad = client.post(path, body, content_type=ctype, HTTP_KORE_SIGNATURE="0" * 64)
    assert bad.status_code == 403 and not WebhookReceipt.objects.exists()
    # a Twilio signature means nothing under the KORE scheme
    twilio_sig = RequestValidator("x").compute_signature(url, {})
    assert client.post(path, body, content_type=ctype, HTTP_X_TWILIO_SIGNATURE=twilio_sig).status_code == 403
    with TestCase.captureOnCommitCallbacks(execute=True):
        ok = client.post(
            path, body, content_type=ctype, HTTP_KORE_SIGNATURE=good, HTTP_KORE_IDEMPOTENCY_TOKEN="tok-1"
        )
    assert ok.status_code == 204 and ok["X-Webhook-Result"] == "accepted"
    again = client.post(
        path, body, content_type=ctype, HTTP_KORE_SIGNATURE=good, HTTP_KORE_IDEMPOTENCY_TOKEN="tok-1"
    )
    assert again["X-Webhook-Result"] == "duplicate"
    assert SmsCommand.objects.get(sid="HC" + "e" * 32).payload == "kore"
    assert WebhookReceipt.objects.get().idempotency_token == "tok-1"


# --- over the sandbox: the callbacks re-fetch the resource, never guess --------------------------------
@pytest.mark.django_db(transaction=True)
@pytest.mark.providers
def test_sim_status_callback_scheduled_to_active(client, synced, settings):
    settings.PUBLIC_BASE_URL = ""
    sim = Sim.objects.filter(status__in=["ready", "inactive"], fleet__isnull=False).order_by("sid").first()
    assert sim is not None
    api = get_client()
    answer = api.sim_update(sim.sid, status="active")
    assert api.last_status == 202 and answer["status"] == "scheduled"
    sim = sim_from_api(data=answer)
    assert sim.status == "scheduled"
    params = {"SimSid": sim.sid, "Status": "active", "SimIccid": sim.iccid}
    assert signed_post(client, settings, "sim_status", params).status_code == 204
    sim.refresh_from_db()
    assert sim.status == "active"
    event = AuditEvent.objects.get(action="sim.status_callback", object_id=sim.sid)
    assert (
        event.source == "webhook"
        and event.before["status"] == "scheduled"
        and event.after["status"] == "active"
    )
    assert signed_post(client, settings, "sim_status", params)["X-Webhook-Result"] == "duplicate"
    assert AuditEvent.objects.filter(action="sim.status_callback").count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.providers
def test_command_status_callback_for_our_command(client, active_sim, operator, settings):
    cmd = sms_command_send(sim_sid=active_sim.sid, payload="hello", user=operator)
    params = {
        "SmsCommandSid": cmd.sid,
        "SimSid": active_sim.sid,
        "Status": "delivered",
        "Direction": "to_sim",
    }
    assert signed_post(client, settings, "command_status", params).status_code == 204
    assert SmsCommand.objects.get(sid=cmd.sid).status == "delivered"
    # a callback for a command we do not have yet: fetched from the API
    other = get_client().sms_command_create(sim=active_sim.sid, payload="made elsewhere")
    params = {"SmsCommandSid": other["sid"], "SimSid": active_sim.sid, "Status": "sent"}
    assert signed_post(client, settings, "command_status", params).status_code == 204
    assert SmsCommand.objects.get(sid=other["sid"]).payload == "made elsewhere"


@pytest.mark.django_db(transaction=True)
@pytest.mark.providers
def test_esim_status_callback(client, synced, settings):
    from apps.esims.models import EsimProfile

    answer = get_client().esim_profile_create(eid="89049032000000000000000000000001")
    params = {"EsimProfileSid": answer["sid"], "Status": "available"}
    assert signed_post(client, settings, "esim_status", params).status_code == 204
    profile = EsimProfile.objects.get(sid=answer["sid"])
    assert profile.status == "available"  # delay 0: the re-fetch sees the final state
    assert AuditEvent.objects.filter(action="esim_profile.status_callback", source="webhook").count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.providers
def test_the_sandboxs_own_signed_callbacks_are_verified_and_applied(
    active_sim, operator, settings, live_server, sandbox_provider
):
    """End to end: the sandbox delivers its status callbacks to the dashboard's webhook, signed as the
    provider signs them (X-Twilio-Signature, or kore-signature + kore-idempotency-token), and the dashboard
    verifies and applies them."""
    from apps.sandbox import services as sandbox_services
    from apps.sandbox.models import Callback

    settings.PUBLIC_BASE_URL = live_server.url  # the URL the sandbox calls, and the one signed
    cmd = sms_command_send(sim_sid=active_sim.sid, payload="hello", user=operator)
    assert sandbox_services.run_due_transitions() >= 2  # queued -> sent -> delivered, a callback each
    callbacks = list(Callback.objects.order_by("pk"))
    assert [c.params["Status"] for c in callbacks] == ["sent", "delivered"]
    assert all(c.delivered_at is not None and c.last_error == "" for c in callbacks)  # 2xx: verified
    assert SmsCommand.objects.get(sid=cmd.sid).status == "delivered"
    receipts = WebhookReceipt.objects.order_by("pk")
    assert receipts.count() == 2
    if sandbox_provider == "kore":
        assert [r.idempotency_token for r in receipts] == [f"cb-{c.pk}" for c in callbacks]
    # a delivery repeated by the provider (same signature, same idempotency token) changes nothing
    Callback.objects.filter(pk=callbacks[-1].pk).update(delivered_at=None)
    sandbox_services.deliver_callbacks()
    assert WebhookReceipt.objects.count() == 2
    assert SmsCommand.objects.get(sid=cmd.sid).status == "delivered"
