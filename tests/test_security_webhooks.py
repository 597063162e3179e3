"""Webhooks, the cases apps/commands/tests/test_webhooks.py leaves out: a signature for another endpoint
(wrong URL), a tampered body under a valid signature, a request rewritten by a TLS proxy, a KORE delivery
replayed with a new idempotency token, and the wrong HTTP methods. Each is refused with 403 (405) and
nothing is stored - or accepted exactly once."""

from __future__ import annotations

import hashlib
from urllib.parse import urlencode

import pytest
from django.test import TestCase
from django.urls import reverse
from twilio.request_validator import RequestValidator

from apps.audit.models import AuditEvent
from apps.commands.models import IpCommand, SmsCommand, WebhookReceipt

TOKEN = "webhook-test-auth-token"
PARAMS = {
    "SmsCommandSid": "HC" + "9" * 32,
    "SimSid": "HS" + "1" * 32,
    "Payload": "hello",
    "Status": "received",
}

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def twilio(settings):
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.WEBHOOK_SIGNATURE_SCHEME = "twilio"
    settings.PUBLIC_BASE_URL = ""


def sign(url: str, params: dict) -> str:
    return RequestValidator(TOKEN).compute_signature(url, params)


def post(client, path: str, params: dict, signature: str, **extra):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature, **extra)


def nothing_stored():
    return not (WebhookReceipt.objects.exists() or SmsCommand.objects.exists() or IpCommand.objects.exists())


def test_a_signature_for_another_endpoint_is_refused(client):
    other = "http://testserver" + reverse("webhooks:ip_commands")
    response = post(client, reverse("webhooks:sms_commands"), PARAMS, sign(other, PARAMS))
    assert response.status_code == 403 and nothing_stored()
    # nor for the same path on another host, or with a query string added
    path = reverse("webhooks:sms_commands")
    assert post(client, path, PARAMS, sign("http://evil.example" + path, PARAMS)).status_code == 403
    assert post(client, path, PARAMS, sign(f"http://testserver{path}?x=1", PARAMS)).status_code == 403
    assert nothing_stored()


@pytest.mark.parametrize(
    "tamper",
    [
        {"Payload": "rm -rf /"},  # a changed value
        {"Extra": "1"},  # an added parameter
        {"SimSid": "HS" + "2" * 32},
    ],
)
def test_a_tampered_body_under_a_valid_signature_is_refused(client, tamper):
    path = reverse("webhooks:sms_commands")
    signature = sign("http://testserver" + path, PARAMS)
    assert post(client, path, PARAMS | tamper, signature).status_code == 403
    assert nothing_stored()
    assert post(client, path, PARAMS, signature).status_code == 204  # the untouched one is fine
    assert SmsCommand.objects.get().payload == "hello"


def test_behind_a_tls_proxy_the_https_url_is_checked(client, settings):
    """The proxy terminates TLS and forwards http: with SECURE_PROXY_SSL_HEADER the signed https URL matches;
    a signature over the internal http URL does not."""
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    path = reverse("webhooks:sms_commands")
    internal = post(
        client, path, PARAMS, sign("http://testserver" + path, PARAMS), HTTP_X_FORWARDED_PROTO="https"
    )
    assert internal.status_code == 403 and nothing_stored()
    public = post(
        client, path, PARAMS, sign("https://testserver" + path, PARAMS), HTTP_X_FORWARDED_PROTO="https"
    )
    assert public.status_code == 204
    assert SmsCommand.objects.count() == 1


def test_a_forged_host_header_does_not_help_without_the_token(client, settings):
    settings.PUBLIC_BASE_URL = "https://admin.example.com"
    path = reverse("webhooks:sms_commands")
    forged = RequestValidator("a-guessed-token").compute_signature("https://admin.example.com" + path, PARAMS)
    assert post(client, path, PARAMS, forged).status_code == 403
    assert nothing_stored()


def test_a_kore_replay_with_a_fresh_idempotency_token_is_still_a_duplicate(client, settings):
    settings.WEBHOOK_SIGNATURE_SCHEME = "kore"
    settings.KORE_WEBHOOK_SECRET = "secret12345"
    path = reverse("webhooks:sms_commands")
    body = urlencode(PARAMS)
    signature = hashlib.sha256(f"secret12345POSThttp://testserver{path}{body}".encode()).hexdigest()
    ctype = "application/x-www-form-urlencoded"
    results = []
    for token in ("tok-1", "tok-2", ""):  # an attacker replays a captured delivery under new tokens
        with TestCase.captureOnCommitCallbacks(execute=True):
            response = client.post(
                path,
                body,
                content_type=ctype,
                HTTP_KORE_SIGNATURE=signature,
                HTTP_KORE_IDEMPOTENCY_TOKEN=token,
            )
        results.append((response.status_code, response["X-Webhook-Result"]))
    assert results == [(204, "accepted"), (204, "duplicate"), (204, "duplicate")]
    assert SmsCommand.objects.count() == 1 and WebhookReceipt.objects.count() == 1
    assert AuditEvent.objects.filter(action="smscommand.receive").count() == 1


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_other_methods_are_refused_and_store_nothing(client, method):
    path = reverse("webhooks:sms_commands")
    response = getattr(client, method)(path, urlencode(PARAMS), HTTP_X_TWILIO_SIGNATURE=sign(path, PARAMS))
    assert response.status_code == 405  # the method is refused before any signature is looked at
    assert response["Allow"] == "POST, GET"
    assert nothing_stored()


def test_webhooks_need_no_login_and_no_csrf_but_a_signature(client):
    path = reverse("webhooks:sms_commands")
    client.handler.enforce_csrf_checks = True
    assert post(client, path, PARAMS, "").status_code == 403  # not a login redirect, not a CSRF 403 page
    assert post(client, path, PARAMS, sign("http://testserver" + path, PARAMS)).status_code == 204
