"""Ingest over real HTTP (the live server): structured, batch and binary mode; Basic credentials and
Twilio signatures; refusals store nothing; 413 / 400; dedupe; a batch with bad members."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
import requests
from twilio.request_validator import RequestValidator

from apps.events.models import ConnectionEvent, DeadLetter, EventBatch, SimConnectionState
from apps.events.testing import TWILIO_PREFIX, cloud_event

pytestmark = pytest.mark.django_db(transaction=True)
SIM = "HS" + "1" * 32
AUTH = ("sink", "s3cret-sink-password")
T0 = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def url(live_server, settings):
    settings.CONNECTION_EVENTS_BASIC_USERNAME, settings.CONNECTION_EVENTS_BASIC_PASSWORD = AUTH
    return f"{live_server.url}/webhooks/connection-events/"


def post(url, body, auth=AUTH, **headers):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers.setdefault("Content-Type", "application/json")
    return requests.post(url, data=data, auth=auth, headers=headers, timeout=10)


def test_structured_batch_and_binary_are_stored_and_processed(url):
    single = cloud_event("attachment.accepted", sim_sid=SIM, at=T0)
    answer = post(url, single, **{"Content-Type": "application/cloudevents+json"})
    assert answer.status_code == 202 and answer.json()["received"] == 1

    batch = [
        cloud_event(
            "data-session.started", sim_sid=SIM, at=T0 + dt.timedelta(minutes=1), data_session_sid="HD1"
        ),
        cloud_event(
            "data-session.ended",
            sim_sid=SIM,
            at=T0 + dt.timedelta(minutes=9),
            data_session_sid="HD1",
            prefix=TWILIO_PREFIX,
            data_total=2048,
            data_upload=48,
            data_download=2000,
        ),
    ]
    answer = post(url, batch, **{"Content-Type": "application/cloudevents-batch+json"})
    assert answer.status_code == 202 and answer.json()["received"] == 2

    binary = cloud_event(
        "attachment.rejected",
        sim_sid=SIM,
        at=T0 + dt.timedelta(minutes=10),
        error={"code": "11", "message": ""},
    )
    headers = {f"ce-{k}": binary[k] for k in ("id", "type", "source", "specversion", "time")}
    answer = post(url, binary["data"], **headers)
    assert answer.status_code == 202

    assert list(EventBatch.objects.order_by("id").values_list("mode", "status")) == [
        ("structured", "processed"),
        ("batch", "processed"),
        ("binary", "processed"),
    ]
    stored = list(ConnectionEvent.objects.order_by("timestamp").values_list("type", "ce_type"))
    assert stored == [
        ("attachment.accepted", "com.kore.supersim.connection.attachment.accepted"),
        ("data-session.started", "com.kore.supersim.connection.data-session.started"),
        ("data-session.ended", "com.twilio.iot.supersim.connection.data-session.ended"),
        ("attachment.rejected", "com.kore.supersim.connection.attachment.rejected"),
    ]
    rejected = ConnectionEvent.objects.get(type="attachment.rejected")
    assert rejected.ce_id == binary["id"] and rejected.error_code == "11"
    state = SimConnectionState.objects.get(sim_sid=SIM)
    assert (state.rejected_at, state.rejection_code, state.sessions_today) == (rejected.timestamp, "11", 1)


def test_unauthenticated_deliveries_are_refused_and_nothing_is_stored(url):
    event = cloud_event("attachment.accepted", sim_sid=SIM, at=T0)
    missing = post(url, event, auth=None)
    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"].startswith("Basic")
    assert post(url, event, auth=("sink", "wrong")).status_code == 401
    assert post(url, event, auth=("other", AUTH[1])).status_code == 401
    # Basic right, but a signature that does not verify: refused too
    assert post(url, event, **{"X-Twilio-Signature": "bm90LWEtc2lnbmF0dXJl"}).status_code == 403
    assert requests.get(url, auth=AUTH, timeout=10).status_code == 405
    assert EventBatch.objects.count() == 0 and ConnectionEvent.objects.count() == 0


def test_twilio_signed_delivery_without_basic(live_server, settings):
    settings.CONNECTION_EVENTS_BASIC_USERNAME = settings.CONNECTION_EVENTS_BASIC_PASSWORD = ""
    settings.WEBHOOK_SIGNATURE_SCHEME = "twilio"
    settings.TWILIO_AUTH_TOKEN = "events-auth-token"
    body = json.dumps([cloud_event("attachment.accepted", sim_sid=SIM, at=T0)]).encode()
    url = f"{live_server.url}/webhooks/connection-events/?bodySHA256={hashlib.sha256(body).hexdigest()}"
    signature = RequestValidator("events-auth-token").compute_signature(url, {})
    assert post(url, body, auth=None).status_code == 403  # no signature at all
    assert post(url, body, auth=None, **{"X-Twilio-Signature": "AAAA"}).status_code == 403
    assert post(url, body + b" ", auth=None, **{"X-Twilio-Signature": signature}).status_code == 403
    assert ConnectionEvent.objects.count() == 0
    assert post(url, body, auth=None, **{"X-Twilio-Signature": signature}).status_code == 202
    assert ConnectionEvent.objects.count() == 1


def test_too_large_and_not_json_are_refused_with_a_reason(url, settings):
    settings.CONNECTION_EVENTS_MAX_BYTES = 2000
    big = [cloud_event("attachment.accepted", sim_sid=SIM, at=T0) for _ in range(5)]
    answer = post(url, big)
    assert answer.status_code == 413 and "larger than 2000 bytes" in answer.json()["error"]
    answer = post(url, b"{not json")
    assert answer.status_code == 400 and "not JSON" in answer.json()["error"]
    answer = post(url, b'"a string"')
    assert answer.status_code == 400 and "expected a CloudEvent" in answer.json()["error"]
    assert post(url, b"[]").status_code == 400
    assert EventBatch.objects.count() == 0


def test_redelivered_events_are_stored_once(url):
    batch = [
        cloud_event("attachment.accepted", sim_sid=SIM, at=T0 + dt.timedelta(seconds=i)) for i in range(3)
    ]
    assert post(url, batch).status_code == 202
    assert post(url, batch).status_code == 202  # at-least-once: the whole batch again
    # the same event under a new CloudEvent id (event_sid dedupe), and a new event_sid under a known id
    again = dict(batch[0], id="CE-another-id")
    same_id = cloud_event("attachment.accepted", sim_sid=SIM, at=T0, ce_id=batch[1]["id"])
    assert post(url, [again, same_id, again]).status_code == 202
    assert ConnectionEvent.objects.count() == 3
    assert list(EventBatch.objects.order_by("id").values_list("stored", "duplicates")) == [
        (3, 0),
        (0, 3),
        (0, 3),
    ]


def test_a_batch_with_bad_members_keeps_the_good_ones(url):
    good = [
        cloud_event("attachment.accepted", sim_sid=SIM, at=T0),
        cloud_event("attachment.failed", sim_sid=SIM, at=T0),
    ]
    bad = [
        "not an object",
        {"type": "com.example.other", "data": {}},
        dict(cloud_event("attachment.accepted", sim_sid=SIM, at=T0), data="text"),
        cloud_event("attachment.accepted", sim_sid="", at=T0),
        dict(
            cloud_event("attachment.accepted", sim_sid=SIM, at=T0),
            time="yesterday",
            data={"sim_sid": SIM, "timestamp": "x"},
        ),
    ]
    answer = post(url, [good[0], *bad, good[1]])
    assert answer.status_code == 202 and answer.json()["received"] == 7
    assert ConnectionEvent.objects.count() == 2
    reasons = list(DeadLetter.objects.order_by("position").values_list("position", "reason"))
    assert reasons == [
        (1, "not a JSON object"),
        (2, "unknown event type 'com.example.other'"),
        (3, "no data object"),
        (4, "no data.sim_sid"),
        (5, "no valid data.timestamp (nor CloudEvent time)"),
    ]
    assert json.loads(DeadLetter.objects.get(position=3).member)["data"] == "text"
