"""The sandbox's Super SIM Connection Events, posted to the sinks of ``SANDBOX_EVENT_SINKS`` as KORE Event
Streams would (CloudEvents 1.0, ``source`` ``kore-events``, JSON batches, HTTP Basic credentials taken from
each sink URL's user info, e.g. ``http://sink:secret@127.0.0.1:8000/webhooks/connection-events/``).

Consistent with the usage model (apps/sandbox/usage.py): every ``active`` SIM has one data session per UTC
hour on its home network, whose bytes are that hour's usage (``rate_up * w(h)`` up, ``rate_down * w(h)``
down): a ``data-session.started`` and a ``data-session.ended`` with the totals. A SIM becoming ``active``
attaches (``attachment.accepted``). Event sids are derived from what they describe, so emitting an hour twice
(a restart) sends the same events again, which the receiver drops as duplicates.

Events are queued in memory (:func:`enqueue`, cheap: called inside API requests) and posted by
:func:`tick`, which the dispatcher runs with every round of due transitions; a failed POST is retried on the
next ticks (at most ``ATTEMPTS`` times).
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote, urlsplit, urlunsplit

import requests
from django.conf import settings

from .api import account_sid, iso
from .usage import HOUR, w

log = logging.getLogger(__name__)
TYPE_PREFIX = "com.kore.supersim.connection."
BATCH = 100
ATTEMPTS = 3
_lock = threading.Lock()
_pending: list[tuple[int, dict]] = []  # (attempts so far, event)
_last_hour: int | None = None


def sinks() -> list[str]:
    return [s for s in settings.SANDBOX_EVENT_SINKS or [] if s]


def _sid(prefix: str, *parts) -> str:
    return prefix + hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:32]


def _network(sim) -> dict:
    net = sim.home_network
    if net is None:
        return {}
    return {"sid": net.sid, "friendly_name": net.friendly_name, "iso_country": net.iso_country,
            "mcc": net.mcc, "mnc": net.mnc}  # fmt: skip


def event(kind: str, sim, at: datetime, **data) -> dict:
    """One structured CloudEvent of ``kind`` (``attachment.accepted``, ``data-session.ended``...)."""
    event_sid = _sid("EZ", kind, sim.sid, iso(at), data.get("data_session_sid", ""))
    payload = {
        "event_sid": event_sid,
        "event_type": kind.replace("-", "_").replace(".", "_").upper(),
        "account_sid": account_sid(),
        "sim_sid": sim.sid,
        "sim_iccid": sim.iccid,
        "sim_unique_name": sim.unique_name or "",
        "fleet_sid": sim.fleet.sid if sim.fleet_id else "",
        "timestamp": iso(at),
        "network": _network(sim),
        "imei": f"35{int(hashlib.sha256(sim.sid.encode()).hexdigest(), 16) % 10**13:013d}",
        "rat_type": "LTE",
        **data,
    }
    return {"specversion": "1.0", "id": _sid("CE", event_sid), "source": "kore-events",
            "type": TYPE_PREFIX + kind, "time": iso(at), "datacontenttype": "application/json",
            "data": payload}  # fmt: skip


def enqueue(*events: dict) -> None:
    if sinks():
        with _lock:
            _pending.extend((0, e) for e in events)


def sim_activated(sim, at: datetime) -> None:
    """The SIM became active: it attaches to its home network."""
    enqueue(event("attachment.accepted", sim, at))


def hour_sessions(hour: int) -> list[dict]:
    """The started + ended events of the data session of every active SIM in UTC hour ``hour`` (hours since
    the epoch), its bytes those of the usage model for that hour; a refused attachment of every inactive SIM
    that was once active."""
    from .models import Sim

    start = datetime.fromtimestamp(hour * HOUR, UTC)
    weight = w(hour)
    out = []
    sims = Sim.objects.filter(status="active").select_related("home_network", "fleet").order_by("id")
    for sim in sims.iterator(chunk_size=1000):
        session = _sid("HD", sim.sid, hour)
        began = start + timedelta(seconds=int(session[2:6], 16) % 600)
        up, down = sim.rate_up * weight, sim.rate_down * weight
        out.append(event("data-session.started", sim, began, data_session_sid=session,
                         data_session_start_time=iso(began)))  # fmt: skip
        out.append(event("data-session.ended", sim, start + timedelta(seconds=HOUR - 1),
                         data_session_sid=session, data_session_start_time=iso(began),
                         data_upload=up, data_download=down, data_total=up + down))  # fmt: skip
    # a device whose SIM was made inactive keeps trying: one refused attachment per hour
    refused = Sim.objects.filter(status="inactive", activated_at__isnull=False).select_related(
        "home_network", "fleet"
    )
    for sim in refused.order_by("id").iterator(chunk_size=1000):
        at = start + timedelta(seconds=int(_sid("", sim.sid, hour)[:4], 16) % HOUR)
        out.append(
            event("attachment.rejected", sim, at, error={"code": "7", "message": "The SIM is not active"})
        )
    return out


def _post(sink: str, batch: list[dict]) -> bool:
    parts = urlsplit(sink)
    auth = (unquote(parts.username or ""), unquote(parts.password or "")) if parts.username else None
    netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
    url = urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
    try:
        response = requests.post(url, data=json.dumps(batch), auth=auth, timeout=5,
                                 headers={"Content-Type": "application/cloudevents-batch+json"})  # fmt: skip
    except requests.RequestException as exc:
        log.warning("sandbox events: %s unreachable: %s", url, exc)
        return False
    if response.status_code >= 300:
        log.warning("sandbox events: %s answered %s", url, response.status_code)
    return response.status_code < 300


def flush() -> int:
    """POST what is queued to every sink in batches of ``BATCH``; a batch a sink refused is queued again
    (for all sinks: receivers deduplicate). Returns the number of events delivered."""
    with _lock:
        work = list(_pending)
        _pending.clear()
    delivered = 0
    for i in range(0, len(work), BATCH):
        chunk = work[i : i + BATCH]
        results = [_post(sink, [e for _, e in chunk]) for sink in sinks()]  # every sink, no short cut
        if all(results):
            delivered += len(chunk)
        else:
            with _lock:
                _pending.extend((n + 1, e) for n, e in chunk if n + 1 < ATTEMPTS)
    return delivered


def tick(at: datetime) -> int:
    """Queue the sessions of the last complete hour once per process, then :func:`flush`."""
    global _last_hour
    if not sinks():
        return 0
    hour = int(at.timestamp()) // HOUR - 1
    if _last_hour != hour:
        _last_hour = hour
        enqueue(*hour_sessions(hour))
    return flush()
