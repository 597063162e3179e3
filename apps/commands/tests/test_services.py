"""Sending commands over real HTTP to the sandbox; payload validation."""

from __future__ import annotations

import base64

import pytest

from apps.audit.models import AuditEvent
from apps.commands.models import IpCommand, SmsCommand
from apps.commands.services import (
    PayloadError,
    command_refresh,
    decode_ip_payload,
    ip_command_send,
    sms_command_send,
)
from apps.supersim.client import get_client
from apps.supersim.errors import SuperSimError


# --- validation (no API call is made: nothing to reach) ------------------------------------------------
def test_sms_longer_than_160_refused(db, operator):
    with pytest.raises(PayloadError, match="161 characters"):
        sms_command_send(sim_sid="HS" + "0" * 32, payload="x" * 161, user=operator)
    assert not SmsCommand.objects.exists()


@pytest.mark.parametrize(
    ("payload", "kind", "encoding", "message"),
    [
        ("x" * 1301, "text", "base64", "1301 bytes"),
        (base64.b64encode(b"\x00" * 1301).decode(), "binary", "base64", "1301 bytes"),
        ("ab" * 1301, "binary", "hex", "1301 bytes"),
        ("not base64!", "binary", "base64", "Not valid base64"),
        ("abc", "binary", "hex", "Not valid hexadecimal"),
        ("zz", "binary", "hex", "Not valid hexadecimal"),
        ("", "text", "base64", "empty"),
    ],
)
def test_ip_payload_validation(payload, kind, encoding, message):
    with pytest.raises(PayloadError, match=message):
        decode_ip_payload(payload=payload, payload_type=kind, encoding=encoding)


def test_ip_payload_limits_and_hex_to_base64():
    raw, api = decode_ip_payload(payload="de ad BE EF", payload_type="binary", encoding="hex")
    assert raw == b"\xde\xad\xbe\xef" and api == base64.b64encode(raw).decode()
    raw, api = decode_ip_payload(payload="é" * 650, payload_type="text")  # 1300 bytes exactly
    assert len(raw) == 1300 and api == "é" * 650


@pytest.mark.parametrize("port", [0, 65536, -1])
def test_ip_port_out_of_range_refused(db, operator, port):
    with pytest.raises(PayloadError, match="between 1 and 65535"):
        ip_command_send(
            sim_sid="HS" + "0" * 32, payload="hi", payload_type="text", device_port=port, user=operator
        )


# --- over the sandbox ----------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
@pytest.mark.providers
def test_sms_send_then_delivered(active_sim, operator):
    cmd = sms_command_send(sim_sid=active_sim.sid, payload="ping", user=operator)
    assert cmd.sid.startswith("HC") and cmd.status == "queued" and cmd.direction == "to_sim"
    assert cmd.sim_id == active_sim.sid
    api = get_client().sms_command_fetch(cmd.sid)  # the sandbox's own answer, independent of our row
    assert api["payload"] == "ping"
    event = AuditEvent.objects.get(action="sms_command.send", object_id=cmd.sid)
    assert event.success and event.user == operator
    cmd = command_refresh(command=cmd)  # delay 0: queued -> sent -> delivered
    assert cmd.status == "delivered"
    assert SmsCommand.objects.get(sid=cmd.sid).status == "delivered"


@pytest.mark.django_db(transaction=True)
@pytest.mark.providers
def test_ip_send_binary_hex_then_received(active_sim, operator):
    cmd = ip_command_send(
        sim_sid=active_sim.sid,
        payload="0102ff",
        payload_type="binary",
        encoding="hex",
        device_port=6000,
        user=operator,
    )
    assert cmd.payload_type == "binary" and cmd.payload == base64.b64encode(b"\x01\x02\xff").decode()
    assert cmd.device_port == 6000
    assert command_refresh(command=cmd).status == "received"


@pytest.mark.django_db(transaction=True)
def test_api_refusal_changes_nothing_and_is_audited(synced, operator):
    unknown = "HS" + "f" * 32
    with pytest.raises(SuperSimError) as info:
        sms_command_send(sim_sid=unknown, payload="ping", user=operator)
    assert info.value.status == 404
    assert not SmsCommand.objects.exists()
    event = AuditEvent.objects.get(action="sms_command.send")
    assert event.success is False and event.object_id == unknown
    with pytest.raises(SuperSimError):
        ip_command_send(sim_sid=unknown, payload="x", payload_type="text", device_port=1, user=operator)
    assert not IpCommand.objects.exists()
    assert AuditEvent.objects.filter(action="ip_command.send", success=False).count() == 1
