"""The connection state of a SIM, moved forward by each new event, never by rescanning history.

Each part of the state remembers the time of the event that set it (``network_at``, ``imei_at``,
``session_at``, ...): an event older than that part's time leaves it as it is, so events arriving out of
order never move the state backwards. Counters are idempotent: a session is counted once per sid (the last
sessions seen are remembered), whatever the number of its events or their redeliveries.
"""

from __future__ import annotations

from django.utils import timezone

from .models import REJECTIONS, EventType, SimConnectionState

RECENT_SESSIONS = 50


def _newer(event_time, part_time) -> bool:
    return part_time is None or event_time >= part_time


def apply_event(state: SimConnectionState, event: dict) -> None:
    """Apply one parsed event (:func:`apps.events.parse.parse_event` fields) to ``state`` (not saved)."""
    ts = event["timestamp"]
    kind = event["type"]
    if event["iccid"]:
        state.iccid = event["iccid"]
    state.first_seen_at = ts if state.first_seen_at is None else min(state.first_seen_at, ts)
    state.last_seen_at = ts if state.last_seen_at is None else max(state.last_seen_at, ts)

    if kind in REJECTIONS:
        if _newer(ts, state.rejected_at):
            state.rejected_at = ts
            state.rejection_code = event["error_code"]
            state.rejection_message = event["error_message"]
            state.rejection_network = event["network_name"] or event["network_sid"]
    else:  # an accepted attachment or any data-session event shows the SIM attached at ``ts``
        if _newer(ts, state.attached_at):
            state.attached_at = ts

    if kind in (EventType.SESSION_STARTED, EventType.SESSION_UPDATED, EventType.SESSION_ENDED):
        if _newer(ts, state.session_at):
            state.session_at = ts
            state.in_session = kind != EventType.SESSION_ENDED
            state.session_sid = event["data_session_sid"]
        _count_session(state, event)

    if (
        kind not in REJECTIONS
        and (event["network_sid"] or event["network_name"])
        and _newer(ts, state.network_at)
    ):
        state.network_at = ts
        state.network_sid = event["network_sid"]
        state.network_name = event["network_name"]
        state.iso_country = event["iso_country"]
        state.mcc, state.mnc = event["mcc"], event["mnc"]
        state.rat_type = event["rat_type"] or state.rat_type

    if event["imei"]:
        _apply_imei(state, event["imei"], ts)

    if (event["cell_id"] or event["lat"] is not None) and _newer(ts, state.location_at):
        state.location_at = ts
        state.lac, state.cell_id = event["lac"], event["cell_id"]
        state.lat, state.lon = event["lat"], event["lon"]


def _apply_imei(state: SimConnectionState, imei: str, ts) -> None:
    if not state.imei:
        state.imei, state.imei_at = imei, ts
        return
    if imei == state.imei:
        if _newer(ts, state.imei_at):
            state.imei_at = ts
        return
    # another device: the SIM moved (in whichever order the two devices' events arrive)
    state.imei_changed = True
    if _newer(ts, state.imei_at):
        state.imei_previous, state.imei, state.imei_at = state.imei, imei, ts
        state.imei_changed_at = ts
    elif not state.imei_previous:
        state.imei_previous = imei
        state.imei_changed_at = state.imei_changed_at or state.imei_at


def _count_session(state: SimConnectionState, event: dict) -> None:
    sid = event["data_session_sid"] or f"event:{event['event_sid']}"
    day = timezone.localdate(event["session_started_at"] or event["timestamp"])
    recent = dict(state.recent_sessions or {})
    seen = recent.get(sid)
    if state.day is None or day > state.day:
        state.day, state.sessions_today, state.zero_byte_today = day, 0, 0
    if seen is None:
        seen = {"day": day.isoformat(), "ended": False}
        if day == state.day:
            state.sessions_today += 1
    if event["type"] == EventType.SESSION_ENDED and not seen["ended"]:
        seen["ended"] = True
        if (event["data_total"] or 0) == 0 and event["data_total"] is not None:
            state.zero_byte_sessions += 1
            if seen["day"] == state.day.isoformat():
                state.zero_byte_today += 1
    recent[sid] = seen
    if len(recent) > RECENT_SESSIONS:
        for old in sorted(recent, key=lambda k: recent[k]["day"])[: len(recent) - RECENT_SESSIONS]:
            recent.pop(old)
    state.recent_sessions = recent
