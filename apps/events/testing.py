"""Building connection events as KORE / Twilio Event Streams send them (tests, the benchmark)."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid

KORE_PREFIX = "com.kore.supersim.connection."
TWILIO_PREFIX = "com.twilio.iot.supersim.connection."
_counter = itertools.count(1)


def iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def cloud_event(
    kind: str,
    *,
    sim_sid: str,
    at: dt.datetime,
    prefix: str = KORE_PREFIX,
    event_sid: str | None = None,
    ce_id: str | None = None,
    network: dict | None = None,
    **data,
) -> dict:
    """A structured CloudEvent 1.0 of type ``prefix + kind`` (e.g. ``data-session.ended``); ``data`` fields
    override or add to the usual payload."""
    n = next(_counter)
    payload = {
        "event_sid": event_sid or f"EZ{uuid.uuid4().hex}",
        "event_type": kind.replace("-", "_").replace(".", "_").upper(),
        "account_sid": "AC00000000000000000000000000000000",
        "sim_sid": sim_sid,
        "sim_iccid": "8988307000000000001",
        "sim_unique_name": "",
        "fleet_sid": "",
        "timestamp": iso(at),
        "network": network
        if network is not None
        else {
            "sid": "HWaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "friendly_name": "Vodafone",
            "iso_country": "DE",
            "mcc": "262",
            "mnc": "02",
        },
        "imei": "356938035643809",
        "rat_type": "LTE",
    }
    payload.update(data)
    return {
        "specversion": "1.0",
        "id": ce_id or f"CE{n:08d}-{uuid.uuid4().hex[:12]}",
        "source": "kore-events" if prefix == KORE_PREFIX else "CO00000000000000000000000000000000",
        "type": prefix + kind,
        "time": iso(at),
        "datacontenttype": "application/json",
        "data": payload,
    }
