"""Reading one CloudEvent as a Super SIM connection event (no database access).

Accepted type strings: KORE's and Twilio's former ones, recognised by their suffix after ``.connection.``
(``attachment.accepted|rejected|failed``, ``data-session.started|updated|ended``) under a ``com.kore.`` or
``com.twilio.`` prefix naming ``supersim`` (e.g. ``com.twilio.iot.supersim.connection.data-session.ended``,
``com.kore.supersim.connection.attachment.accepted``). The inner ``data`` is the same for both.
"""

from __future__ import annotations

import datetime as dt
import re

from django.utils.dateparse import parse_datetime

from .models import EventType

_TYPE = re.compile(r"^com\.(?:kore|twilio)(?:\.[\w-]+)*\.supersim\.connection\.(?P<suffix>[\w.-]+)$", re.I)
_SUFFIXES = {choice.value: choice.value for choice in EventType}


class BadEvent(ValueError):
    """A member that is not a usable connection event; the message says why (kept in the dead letter)."""


def event_type(ce_type) -> str:
    """The normalised type (``EventType`` value) of a CloudEvent type string, or ``""`` if not one of ours."""
    match = _TYPE.match(ce_type) if isinstance(ce_type, str) else None
    return _SUFFIXES.get(match["suffix"].lower(), "") if match else ""


def _text(value, limit: int) -> str:
    if value is None or isinstance(value, dict | list):
        return ""
    return str(value).strip()[:limit]


def _int(value) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return int(float(value)) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _float(value) -> float | None:
    try:
        number = float(value) if value not in (None, "") and not isinstance(value, bool) else None
    except (TypeError, ValueError):
        return None
    return number if number is not None and number == number and abs(number) != float("inf") else None


def _time(value) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = parse_datetime(value.strip())
    except ValueError:
        return None
    if parsed is not None and parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed


def _first(data: dict, *keys):
    for key in keys:
        if data.get(key) not in (None, ""):
            return data[key]
    return None


def parse_event(member) -> dict:
    """The :class:`~apps.events.models.ConnectionEvent` fields of one structured CloudEvent (a dict).

    Required: a known ``type``, an object ``data`` with ``sim_sid``, a time (``data.timestamp``, else the
    CloudEvent ``time``) and an identity (``data.event_sid``, else the CloudEvent ``id``). Anything else
    that is missing or of the wrong shape is left blank, never an error; the whole member is kept in ``data``.
    Raises :class:`BadEvent` otherwise."""
    if not isinstance(member, dict):
        raise BadEvent("not a JSON object")
    ce_type = member.get("type")
    kind = event_type(ce_type)
    if not kind:
        raise BadEvent(f"unknown event type {str(ce_type)[:100]!r}" if ce_type else "no event type")
    data = member.get("data")
    if not isinstance(data, dict):
        raise BadEvent("no data object")
    sim_sid = _text(data.get("sim_sid"), 34)
    if not sim_sid:
        raise BadEvent("no data.sim_sid")
    timestamp = _time(data.get("timestamp")) or _time(member.get("time"))
    if timestamp is None:
        raise BadEvent("no valid data.timestamp (nor CloudEvent time)")
    ce_id = _text(member.get("id"), 128)
    event_sid = _text(data.get("event_sid"), 64) or (f"ce:{ce_id}"[:64] if ce_id else "")
    if not event_sid:
        raise BadEvent("no data.event_sid (nor CloudEvent id)")
    network = data.get("network") if isinstance(data.get("network"), dict) else {}
    location = data.get("location") if isinstance(data.get("location"), dict) else {}
    error = data.get("error") if isinstance(data.get("error"), dict) else {}
    return {
        "event_sid": event_sid,
        "ce_id": ce_id,
        "ce_type": _text(ce_type, 128),
        "type": kind,
        "timestamp": timestamp,
        "sim_sid": sim_sid,
        "iccid": _text(data.get("sim_iccid"), 22),
        "sim_unique_name": _text(data.get("sim_unique_name"), 255),
        "fleet_sid": _text(data.get("fleet_sid"), 34),
        "network_sid": _text(network.get("sid"), 34),
        "network_name": _text(network.get("friendly_name"), 128),
        "iso_country": _text(network.get("iso_country"), 2).upper(),
        "mcc": _text(network.get("mcc"), 3),
        "mnc": _text(network.get("mnc"), 3),
        "rat_type": _text(data.get("rat_type"), 32),
        "imei": _text(data.get("imei"), 20),
        "imsi": _text(data.get("imsi"), 20),
        "apn": _text(data.get("apn"), 100),
        "ip_address": _text(data.get("ip_address"), 45),
        "data_session_sid": _text(data.get("data_session_sid"), 34),
        "session_started_at": _time(data.get("data_session_start_time")),
        "data_upload": _int(_first(data, "data_upload", "data_session_data_upload")),
        "data_download": _int(_first(data, "data_download", "data_session_data_download")),
        "data_total": _int(_first(data, "data_total", "data_session_data_total")),
        "lac": _text(location.get("lac"), 16),
        "cell_id": _text(location.get("cell_id"), 32),
        "lat": _float(location.get("lat")),
        "lon": _float(location.get("lon")),
        "error_code": _text(error.get("code"), 32),
        "error_message": _text(error.get("message"), 255),
        "data": member,
    }


#: causes of a refused attachment in words (3GPP TS 24.301 EMM / TS 24.008 GMM causes), for codes sent
#: without a message
REJECT_CAUSES = {
    "2": "IMSI unknown in HSS (the SIM is not known to the network)",
    "3": "illegal UE (authentication failed)",
    "5": "IMEI not accepted",
    "6": "illegal device",
    "7": "data services not allowed (the SIM's plan or status forbids data)",
    "8": "data and non-data services not allowed",
    "11": "network not allowed (not in the SIM's Network Access Profile)",
    "12": "tracking area not allowed",
    "13": "roaming not allowed in this area",
    "14": "data services not allowed in this network",
    "15": "no suitable cells in this area",
    "17": "network failure",
    "22": "network congestion",
    "111": "protocol error",
}


def cause_in_words(code: str, message: str) -> str:
    """A rejection's cause for a person: the message sent with it, else the known meaning of its code."""
    if message:
        return f"{message} (code {code})" if code else message
    if code in REJECT_CAUSES:
        return f"{REJECT_CAUSES[code]} (code {code})"
    return f"error code {code}" if code else "no cause given"
