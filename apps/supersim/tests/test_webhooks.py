"""Webhook signature checks: KORE's published test vectors and a Twilio round trip."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from twilio.request_validator import RequestValidator

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
