"""The sandbox playing KORE (SANDBOX_PROVIDER=kore): bearer tokens only, token expiry, KORE's PageSize caps,
KORE-signed callbacks; and the 401 challenge in both modes."""

from datetime import timedelta
from urllib.parse import parse_qsl

import pytest
import requests

from apps.sandbox import api, services
from apps.sandbox.models import IpCommand, Sim
from apps.supersim.webhooks import validate_kore_signature

from .conftest import as_kore, check_response

pytestmark = pytest.mark.django_db(transaction=True)


def _token(sb, settings) -> dict:
    return requests.post(
        sb.url("/api-services/v1/auth/token"),
        data={
            "grant_type": "client_credentials",
            "client_id": settings.SANDBOX_KORE_CLIENT_ID,
            "client_secret": settings.SANDBOX_KORE_CLIENT_SECRET,
        },
        timeout=10,
    )


def test_kore_mode_refuses_basic_and_honours_token_expiry(sandbox, settings):
    settings.SANDBOX_PROVIDER = "kore"
    url = sandbox.url("/v1/Sims")
    basic = requests.get(url, auth=(settings.SANDBOX_ACCOUNT_SID, settings.SANDBOX_AUTH_TOKEN), timeout=10)
    assert basic.status_code == 401
    assert basic.json()["code"] == 20003 and basic.json()["status"] == 401
    assert basic.headers["WWW-Authenticate"].startswith("Bearer ")
    api_key = requests.get(url, auth=(settings.SANDBOX_API_KEY, settings.SANDBOX_API_SECRET), timeout=10)
    assert api_key.status_code == 401 and api_key.json()["code"] == 20003

    answer = _token(sandbox, settings)
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}  # kore_token_api_v1.json 200GetToken
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    bearer = {"Authorization": f"Bearer {body['access_token']}"}
    assert requests.get(url, headers=bearer, timeout=10).status_code == 200

    settings.SANDBOX_TOKEN_TTL_SECONDS = 0  # a token that is expired as soon as it is issued
    expired = _token(sandbox, settings).json()
    assert expired["expires_in"] == 0
    answer = requests.get(url, headers={"Authorization": f"Bearer {expired['access_token']}"}, timeout=10)
    assert answer.status_code == 401 and answer.json()["code"] == 20003
    assert 'error="invalid_token"' in answer.headers["WWW-Authenticate"]

    wrong = requests.post(
        sandbox.url("/api-services/v1/auth/token"),
        data={"grant_type": "client_credentials", "client_id": "x", "client_secret": "y"},
        timeout=10,
    )
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"  # 401Error


def test_401_answers_carry_www_authenticate_in_twilio_mode(sandbox):
    answer = requests.get(sandbox.url("/v1/Fleets"), timeout=10)
    assert answer.status_code == 401 and answer.json()["code"] == 20003
    assert answer.headers["WWW-Authenticate"] == 'Basic realm="Twilio API"'
    wrong = requests.get(sandbox.url("/v1/Fleets"), auth=("AC" + "1" * 32, "nope"), timeout=10)
    assert wrong.status_code == 401 and wrong.headers["WWW-Authenticate"] == 'Basic realm="Twilio API"'


def test_kore_page_size_caps(sandbox, settings):
    sb = sandbox
    # Twilio: 1000 everywhere
    assert sb.get("/v1/UsageRecords", params={"PageSize": 1000}).status_code == 200
    assert sb.get("/v1/IpCommands", params={"PageSize": 1000}).status_code == 200
    as_kore(sb, settings)
    for path, cap in (("/v1/UsageRecords", 249), ("/v1/IpCommands", 100)):
        refused = sb.get(path, params={"PageSize": cap + 1})
        assert refused.status_code == 400, refused.text
        body = refused.json()
        assert body["code"] == 20007 and body["status"] == 400
        assert body["more_info"] == "https://www.twilio.com/docs/errors/20007"
        assert f"between 1 and {cap}" in body["message"]
        answer = sb.get(path, params={"PageSize": cap})
        assert answer.status_code == 200 and answer.json()["meta"]["page_size"] == cap
        check_response(answer, "kore")
    for path in ("/v1/Sims", "/v1/Fleets", "/v1/Networks", "/v1/SmsCommands"):
        assert sb.get(path, params={"PageSize": 1000}).status_code == 200
        assert sb.get(path, params={"PageSize": 1001}).json()["code"] == 20007


def test_kore_callbacks_are_signed_with_kore_signature(sandbox, settings, callback_server):
    as_kore(sandbox, settings)
    sim = Sim.objects.filter(status="active").order_by("pk").first()
    cmd = sandbox.post(
        "/v1/IpCommands",
        {"Sim": sim.sid, "Payload": "hi", "DevicePort": 6000, "CallbackUrl": callback_server.url + "/ip?x=1"},
    )
    assert cmd.status_code == 201
    services.run_due_transitions(api.now() + timedelta(seconds=5))
    assert len(callback_server.received) == 2  # sent, received
    tokens = set()
    for hit in callback_server.received:
        headers = {k.lower(): v for k, v in hit["headers"].items()}
        assert "x-twilio-signature" not in headers  # KORE signs with its own scheme only
        assert validate_kore_signature(
            secret=settings.SANDBOX_KORE_WEBHOOK_SECRET,
            method="POST",
            url=callback_server.url + hit["path"],
            body=hit["body"].encode(),
            signature=headers["kore-signature"],
        )
        assert not validate_kore_signature(
            secret="another-secret",
            method="POST",
            url=callback_server.url + hit["path"],
            body=hit["body"].encode(),
            signature=headers["kore-signature"],
        )
        tokens.add(headers["kore-idempotency-token"])
        assert dict(parse_qsl(hit["body"]))["IpCommandSid"] == cmd.json()["sid"]
    assert len(tokens) == 2  # one idempotency token per delivery
    assert IpCommand.objects.get(sid=cmd.json()["sid"]).status == "received"
