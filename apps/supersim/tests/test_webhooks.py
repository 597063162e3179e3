"""Webhook signature checks (KORE's published test vectors, a Twilio round trip) and what the endpoints
keep of form, JSON and binary bodies signed either way."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest
from django.test import RequestFactory, TestCase
from django.urls import reverse
from twilio.request_validator import RequestValidator

from apps.commands.models import SmsCommand, WebhookReceipt
from apps.supersim.webhooks import (
    compute_kore_signature,
    public_url,
    validate_kore_signature,
    validate_twilio_signature,
    verify_request,
)

BODY = b"field1=value1&field2=value2"


@pytest.mark.parametrize(
    ("secret", "expected"),
    [
        ("12345", "f562d3959f68b5a30fc7a63f8bbf40987f633575f4231ffceb4f76dd154ea3ce"),
        ("secret12345", "4fdba0cb1394cc8d17b8dabb04634aa9a951021a7b161f9c7a2186cd490b18b2"),
    ],
)
def test_kore_vectors(secret, expected):
    url = "https://testendpoint.com"
    assert compute_kore_signature(secret=secret, method="POST", url=url, body=BODY) == expected
    assert validate_kore_signature(secret=secret, method="POST", url=url, body=BODY, signature=expected)
    assert validate_kore_signature(
        secret=secret, method="post", url=url + "?a=1#frag", body=BODY, signature=expected.upper()
    )
    assert not validate_kore_signature(
        secret=secret, method="POST", url=url, body=BODY + b"x", signature=expected
    )
    assert not validate_kore_signature(secret="other", method="POST", url=url, body=BODY, signature=expected)
    assert not validate_kore_signature(secret=secret, method="POST", url=url, body=BODY, signature="")


def test_twilio_round_trip(settings):
    settings.TWILIO_AUTH_TOKEN = "12345"
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    params = {"CallSid": "CA1234567890ABCDE", "Caller": "+12349013030", "Digits": "1234"}
    signature = RequestValidator("12345").compute_signature(url, params)
    assert validate_twilio_signature(url=url, params=params, signature=signature)
    assert not validate_twilio_signature(url=url, params={**params, "Digits": "0"}, signature=signature)
    assert not validate_twilio_signature(url=url + "&x=1", params=params, signature=signature)
    assert not validate_twilio_signature(url=url, params=params, signature="")
    settings.TWILIO_AUTH_TOKEN = "other"
    assert not validate_twilio_signature(url=url, params=params, signature=signature)


def test_public_url_uses_public_base_url(settings):
    request = RequestFactory().post("/webhooks/sims/?x=1", data={"a": "b"})
    settings.PUBLIC_BASE_URL = ""
    assert public_url(request) == "http://testserver/webhooks/sims/?x=1"
    settings.PUBLIC_BASE_URL = "https://admin.example.com"
    assert public_url(request) == "https://admin.example.com/webhooks/sims/?x=1"


def test_verify_request_twilio_and_kore(settings):
    settings.PUBLIC_BASE_URL = "https://admin.example.com"
    settings.TWILIO_AUTH_TOKEN = "tok"
    settings.WEBHOOK_SIGNATURE_SCHEME = "twilio"
    data = {"SimSid": "HS123", "Status": "active"}
    url = "https://admin.example.com/webhooks/sims/"
    sig = RequestValidator("tok").compute_signature(url, data)
    rf = RequestFactory()
    assert verify_request(rf.post("/webhooks/sims/", data=data, HTTP_X_TWILIO_SIGNATURE=sig))
    assert not verify_request(
        rf.post("/webhooks/sims/", data={**data, "Status": "x"}, HTTP_X_TWILIO_SIGNATURE=sig)
    )

    settings.WEBHOOK_SIGNATURE_SCHEME = "kore"
    settings.KORE_WEBHOOK_SECRET = "s3cret"
    body = b"SimSid=HS123&Status=active"
    ksig = compute_kore_signature(secret="s3cret", method="POST", url=url, body=body)
    ct = "application/x-www-form-urlencoded"
    assert verify_request(
        rf.post("/webhooks/sims/?q=1", data=body, content_type=ct, HTTP_KORE_SIGNATURE=ksig)
    )
    assert not verify_request(
        rf.post("/webhooks/sims/", data=body + b"&x=1", content_type=ct, HTTP_KORE_SIGNATURE=ksig)
    )
    assert not verify_request(rf.post("/webhooks/sims/", data=body, content_type=ct))


# --- JSON and binary bodies, through the endpoints -------------------------------------------------------
TOKEN = "json-test-auth-token"
KORE_SECRET = "kore-json-secret"
SMS_SID_1, SMS_SID_2 = "HC" + "1" * 32, "HC" + "2" * 32
SIM_SID = "HS" + "7" * 32


def _twilio_json_signature(url: str) -> str:
    """Twilio's signature of a JSON delivery, written out: base64 HMAC-SHA1 of the full URL (which carries
    bodySHA256), no parameters appended."""
    return base64.b64encode(hmac.new(TOKEN.encode(), url.encode(), hashlib.sha1).digest()).decode()


def _twilio_json_post(client, path: str, body: bytes, *, signed_body: bytes | None = None, **extra):
    digest = hashlib.sha256(body if signed_body is None else signed_body).hexdigest()
    url = f"{path}?bodySHA256={digest}"
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(
            url,
            body,
            content_type="application/json",
            HTTP_X_TWILIO_SIGNATURE=_twilio_json_signature("http://testserver" + url),
            **extra,
        )


def _kore_post(client, path: str, body: bytes, content_type: str = "application/json", **extra):
    signature = hashlib.sha256(f"{KORE_SECRET}POSThttp://testserver{path}".encode() + body).hexdigest()
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(path, body, content_type=content_type, HTTP_KORE_SIGNATURE=signature, **extra)


@pytest.fixture
def twilio_json(settings):
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.WEBHOOK_SIGNATURE_SCHEME = "twilio"
    settings.PUBLIC_BASE_URL = ""


@pytest.fixture
def kore_json(settings):
    settings.WEBHOOK_SIGNATURE_SCHEME = "kore"
    settings.KORE_WEBHOOK_SECRET = KORE_SECRET
    settings.PUBLIC_BASE_URL = ""


def _sms_json(sid: str, payload: str) -> bytes:
    return json.dumps(
        {"SmsCommandSid": sid, "SimSid": SIM_SID, "Payload": payload, "Status": "received"}
    ).encode()


@pytest.mark.django_db
def test_two_twilio_signed_json_bodies_are_both_kept(client, twilio_json):
    """The bug: both were stored as ``{}``, the second answered "duplicate" and dropped."""
    path = reverse("webhooks:sms_commands")
    first = _twilio_json_post(client, path, _sms_json(SMS_SID_1, "first"))
    second = _twilio_json_post(client, path, _sms_json(SMS_SID_2, "second"))
    assert (first.status_code, first["X-Webhook-Result"]) == (204, "accepted")
    assert (second.status_code, second["X-Webhook-Result"]) == (204, "accepted")
    stored = {r.params["SmsCommandSid"]: r.params for r in WebhookReceipt.objects.all()}
    assert stored == {
        SMS_SID_1: {"Payload": "first", "SimSid": SIM_SID, "SmsCommandSid": SMS_SID_1, "Status": "received"},
        SMS_SID_2: {"Payload": "second", "SimSid": SIM_SID, "SmsCommandSid": SMS_SID_2, "Status": "received"},
    }
    assert dict(SmsCommand.objects.values_list("sid", "payload")) == {SMS_SID_1: "first", SMS_SID_2: "second"}
    # the same body again (a retry) is one delivery
    again = _twilio_json_post(client, path, _sms_json(SMS_SID_1, "first"))
    assert (again.status_code, again["X-Webhook-Result"]) == (204, "duplicate")
    assert WebhookReceipt.objects.count() == 2


@pytest.mark.django_db
def test_two_kore_signed_json_bodies_are_both_kept(client, kore_json):
    path = reverse("webhooks:sms_commands")
    first = _kore_post(client, path, _sms_json(SMS_SID_1, "first"), HTTP_KORE_IDEMPOTENCY_TOKEN="t-1")
    second = _kore_post(client, path, _sms_json(SMS_SID_2, "second"), HTTP_KORE_IDEMPOTENCY_TOKEN="t-2")
    assert [first["X-Webhook-Result"], second["X-Webhook-Result"]] == ["accepted", "accepted"]
    assert sorted(WebhookReceipt.objects.values_list("idempotency_token", "params__Payload")) == [
        ("t-1", "first"),
        ("t-2", "second"),
    ]
    assert dict(SmsCommand.objects.values_list("sid", "payload")) == {SMS_SID_1: "first", SMS_SID_2: "second"}
    # a new body under a token already seen is the same delivery (KORE's retry)
    retry = _kore_post(client, path, _sms_json("HC" + "3" * 32, "x"), HTTP_KORE_IDEMPOTENCY_TOKEN="t-1")
    assert (retry.status_code, retry["X-Webhook-Result"]) == (204, "duplicate")
    assert WebhookReceipt.objects.count() == 2


@pytest.mark.django_db
def test_a_signed_binary_body_is_kept_as_sent(client, kore_json):
    path = reverse("webhooks:ip_commands")
    body = b"\x00\xffbinary\x80"
    response = _kore_post(client, path, body, content_type="application/octet-stream")
    assert (response.status_code, response["X-Webhook-Result"]) == (204, "accepted")
    assert WebhookReceipt.objects.get().params == {
        "_body_base64": "AP9iaW5hcnmA",
        "_content_type": "application/octet-stream",
    }
    text = _kore_post(client, path, b"plain words", content_type="text/plain")
    assert text["X-Webhook-Result"] == "accepted"
    assert WebhookReceipt.objects.filter(params___body="plain words").count() == 1


@pytest.mark.django_db
def test_a_json_array_is_kept(client, twilio_json):
    path = reverse("webhooks:command_status")
    response = _twilio_json_post(client, path, b'[{"b": 2, "a": 1}]')
    assert response.status_code == 204
    assert WebhookReceipt.objects.get().params == {"_json": [{"a": 1, "b": 2}]}


@pytest.mark.django_db
def test_a_tampered_json_body_under_a_valid_signature_is_refused(client, twilio_json):
    path = reverse("webhooks:sms_commands")
    signed = _sms_json(SMS_SID_1, "first")
    response = _twilio_json_post(client, path, _sms_json(SMS_SID_1, "evil"), signed_body=signed)
    assert response.status_code == 403
    assert not WebhookReceipt.objects.exists() and not SmsCommand.objects.exists()


@pytest.mark.django_db
def test_a_json_body_without_body_sha256_is_refused(client, twilio_json):
    """The signature then covers the URL alone, not the body: anyone could change the body."""
    path = reverse("webhooks:sms_commands")
    signature = _twilio_json_signature("http://testserver" + path)
    response = client.post(
        path, _sms_json(SMS_SID_1, "x"), content_type="application/json", HTTP_X_TWILIO_SIGNATURE=signature
    )
    assert response.status_code == 403
    assert not WebhookReceipt.objects.exists()


ENDPOINTS = ["sms_commands", "ip_commands", "sim_status", "command_status", "esim_status"]
BODIES = [
    ("application/json", b'{"SimSid": "HS1", "Status": "active"}'),
    ("application/json", b"not json at all {"),
    ("application/octet-stream", b"\x00\x01\xfe\xff"),
    ("text/plain", "caf\u00e9".encode("latin-1")),
    ("application/x-www-form-urlencoded", b"\xff\xfe=\x00&%zz"),  # not a form at all, under a form's type
    ("multipart/form-data; boundary=nope", b"\x00garbage"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("scheme", ["twilio", "kore"])
def test_unsigned_json_or_binary_bodies_answer_403_and_store_nothing(client, settings, scheme):
    """Was a 500 (RequestValidator given a str without bodySHA256)."""
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.KORE_WEBHOOK_SECRET = KORE_SECRET
    settings.WEBHOOK_SIGNATURE_SCHEME = scheme
    wrong = []
    for name in ENDPOINTS:
        path = reverse(f"webhooks:{name}")
        for content_type, body in BODIES:
            for url, extra in ((path, {}), (f"{path}?bodySHA256=00", {"HTTP_X_TWILIO_SIGNATURE": "bm8="})):
                status = client.post(url, body, content_type=content_type, **extra).status_code
                if status != 403:
                    wrong.append((name, content_type, url, status))
    assert wrong == []
    assert not WebhookReceipt.objects.exists()


@pytest.mark.django_db
def test_a_signed_body_that_does_not_parse_as_its_type_is_kept_raw(client, kore_json):
    """A multipart type over garbage, a JSON type over NaN or a NUL (which PostgreSQL's jsonb refuses): the
    raw body is kept, never a 500, never ``{}``."""
    path = reverse("webhooks:sms_commands")
    cases = [
        ("multipart/form-data; boundary=nope", b"\x00garbage", {"_body_base64": "AGdhcmJhZ2U="}),
        ("application/json", b'{"a": NaN}', {"_body": '{"a": NaN}'}),
        ("application/json", b'{"a": "x\\u0000y"}', {"_body": '{"a": "x\\u0000y"}'}),
        ("application/x-www-form-urlencoded", b"a=x%00y", {"_body": "a=x%00y"}),
    ]
    for content_type, body, kept in cases:
        response = _kore_post(client, path, body, content_type=content_type)
        assert (response.status_code, response["X-Webhook-Result"]) == (204, "accepted"), content_type
        stored = WebhookReceipt.objects.order_by("-id").first().params
        assert stored == kept | {"_content_type": content_type.split(";")[0]}, content_type
    assert WebhookReceipt.objects.count() == len(cases)


@pytest.mark.django_db
def test_a_twilio_signed_multipart_form_is_kept(client, twilio_json):
    path = reverse("webhooks:command_status")
    params = {"SmsCommandSid": SMS_SID_1, "Status": "delivered"}
    signature = RequestValidator(TOKEN).compute_signature("http://testserver" + path, params)
    response = client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature)  # the test client's multipart
    assert (response.status_code, response["X-Webhook-Result"]) == (204, "accepted")
    assert WebhookReceipt.objects.get().params == params


@pytest.mark.django_db
def test_a_signed_get_with_a_nul_in_its_query_is_kept_raw(client, twilio_json):
    url = reverse("webhooks:sim_status") + "?SimSid=HS1&Note=a%00b"
    signature = RequestValidator(TOKEN).compute_signature("http://testserver" + url, {})
    with TestCase.captureOnCommitCallbacks(execute=False):
        response = client.get(url, HTTP_X_TWILIO_SIGNATURE=signature)
    assert (response.status_code, response["X-Webhook-Result"]) == (204, "accepted")
    assert WebhookReceipt.objects.get().params == {"_query": "SimSid=HS1&Note=a%00b"}
