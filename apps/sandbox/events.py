"""The sandbox's Super SIM Connection Events, posted to the sinks of ``SANDBOX_EVENT_SINKS`` as KORE Event
Streams would (CloudEvents 1.0, ``source`` ``kore-events``, JSON batches of at most ``BATCH``, HTTP Basic
credentials taken from each sink URL's user info, e.g.
``http://sink:secret@127.0.0.1:8000/webhooks/connection-events/``), and signed as the provider the sandbox
plays signs: ``X-Twilio-Signature`` over the URL with ``bodySHA256`` (``SANDBOX_AUTH_TOKEN``), or KORE's
``kore-signature`` (``SANDBOX_KORE_WEBHOOK_SECRET``).

Consistent with the usage model (apps/sandbox/usage.py): every ``active`` SIM has one data session per UTC
hour on its home network, whose bytes are that hour's usage record (``rate_up * w(h)`` up, ``rate_down *
w(h)`` down): ``data-session.started`` in the first ten minutes, ``data-session.updated`` at half past with
half the bytes (totals are cumulative), ``data-session.ended`` with the hour's totals. A SIM becoming
``active`` attaches (``attachment.accepted``, :func:`sim_activated`). A SIM made ``inactive`` after it was
active keeps trying: one ``attachment.rejected`` an hour (cause 7, data not allowed). One SIM in
``ROAM_EVERY`` whose fleet's Network Access Profile holds another network roams: its session ends at 45
minutes, it attaches to a visited network of its NAP (a network change, no data there: the usage records
put all bytes on the home network) and attaches back home before the next hour's session. Each event carries
a cell and a position near its network's country (the dashboard's map).

Events are emitted as their time passes: :func:`tick` (run by the dispatcher with every round of due
transitions) queues those whose time lies in ``(last tick, now]``, at most every ``EMIT_SECONDS``; the first
tick of a process goes ``BACKFILL_HOURS`` back, so a fresh ``make run`` shows a timeline at once. Event sids
are derived from what they describe: a restart sends the same events again, which the receiver drops.

Delivery is at least once, as Event Streams': a POST that fails (unreachable, or not 2xx) is retried on the
next ticks, at most ``ATTEMPTS`` times. Fault injection (``SANDBOX_EVENT_FAULT_RATE``, 0..1): that share of
the batches is sent with its members shuffled (out of order) and, once accepted, sent again on the next
tick as if the acknowledgement had been lost (duplicates the receiver must not store twice).
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import threading
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote, urlencode, urlsplit, urlunsplit

import requests
from django.conf import settings

from .api import account_sid, iso
from .usage import HOUR, w

log = logging.getLogger(__name__)
TYPE_PREFIX = "com.kore.supersim.connection."
BATCH = 100
ATTEMPTS = 5
EMIT_SECONDS = 15
BACKFILL_HOURS = 3
ROAM_EVERY = 4
_lock = threading.Lock()
_pending: list[tuple[int, dict]] = []  # (attempts so far, event)
_since: datetime | None = None  # events up to this time are queued
_rng = random.Random()  # noqa: S311 - fault injection, not security
stats = {"posts": 0, "failed": 0, "redelivered": 0}

#: a point on land near the middle of each country of the network catalogue (a large city), for positions
PLACES = {
    "AE": (25.20, 55.27), "AR": (-34.60, -58.38), "AT": (48.21, 16.37), "AU": (-33.87, 151.21),
    "BE": (50.85, 4.35), "BR": (-23.55, -46.63), "CA": (43.65, -79.38), "CH": (47.37, 8.54),
    "CL": (-33.45, -70.67), "CN": (31.23, 121.47), "CO": (4.71, -74.07), "CZ": (50.08, 14.44),
    "DE": (52.52, 13.40), "DK": (55.68, 12.57), "EG": (30.04, 31.24), "ES": (40.42, -3.70),
    "FI": (60.17, 24.94), "FR": (48.86, 2.35), "GB": (51.51, -0.13), "GR": (37.98, 23.73),
    "HK": (22.32, 114.17), "HU": (47.50, 19.04), "ID": (-6.21, 106.85), "IE": (53.35, -6.26),
    "IL": (32.09, 34.78), "IN": (19.08, 72.88), "IT": (41.90, 12.50), "JP": (35.68, 139.69),
    "KE": (-1.29, 36.82), "KR": (37.57, 126.98), "MX": (19.43, -99.13), "MY": (3.14, 101.69),
    "NG": (6.52, 3.38), "NL": (52.37, 4.90), "NO": (59.91, 10.75), "NZ": (-36.85, 174.76),
    "PE": (-12.05, -77.04), "PH": (14.60, 120.98), "PL": (52.23, 21.01), "PT": (38.72, -9.14),
    "RO": (44.43, 26.10), "SA": (24.71, 46.68), "SE": (59.33, 18.07), "SG": (1.35, 103.82),
    "TH": (13.76, 100.50), "TR": (41.01, 28.98), "US": (39.10, -94.58), "VN": (21.03, 105.85),
    "ZA": (-26.20, 28.05),
}  # fmt: skip


def sinks() -> list[str]:
    return [s for s in settings.SANDBOX_EVENT_SINKS or [] if s]


def _sid(prefix: str, *parts) -> str:
    return prefix + hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:32]


def _fraction(*parts) -> float:
    """A number in [0, 1) derived from ``parts`` (the same on every run)."""
    return int(_sid("", *parts)[:8], 16) / 16**8


def _network(net) -> dict:
    if net is None:
        return {}
    return {"sid": net.sid, "friendly_name": net.friendly_name, "iso_country": net.iso_country,
            "mcc": net.mcc, "mnc": net.mnc}  # fmt: skip


def _location(sim, net) -> dict:
    """The cell the SIM's device is under on ``net``, and its position: within about 50 km of a city of the
    network's country (each SIM its own spot, the same on every run)."""
    if net is None:
        return {}
    lat, lon = PLACES.get(net.iso_country, (0.0, 0.0))
    return {
        "lac": str(1 + int(_fraction("lac", sim.sid, net.sid) * 65000)),
        "cell_id": str(int(_fraction("cell", sim.sid, net.sid) * 268_435_455)),
        "lat": round(lat + (_fraction("lat", sim.sid) - 0.5) * 0.9, 5),
        "lon": round(lon + (_fraction("lon", sim.sid) - 0.5) * 0.9, 5),
    }


def event(kind: str, sim, at: datetime, *, network=None, **data) -> dict:
    """One structured CloudEvent of ``kind`` (``attachment.accepted``, ``data-session.ended``...) of ``sim``
    on ``network`` (default: its home network)."""
    net = network or sim.home_network
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
        "network": _network(net),
        "imei": f"35{int(hashlib.sha256(sim.sid.encode()).hexdigest(), 16) % 10**13:013d}",
        "imsi": f"{net.mcc}{net.mnc}{int(_sid('', sim.sid)[:10], 16) % 10**10:010d}" if net else "",
        "rat_type": "LTE",
        "location": _location(sim, net),
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


def visited_network(sim, networks_of_nap: dict):
    """The network a roaming SIM visits in its NAP (``None`` for a SIM that does not roam)."""
    if sim.home_network_id is None or not sim.fleet_id or _fraction("roams", sim.sid) >= 1 / ROAM_EVERY:
        return None
    others = [n for n in networks_of_nap.get(sim.fleet.nap_id, []) if n.pk != sim.home_network_id]
    return others[int(_fraction("visits", sim.sid) * len(others))] if others else None


def sim_hour(sim, hour: int, visited=None) -> list[dict]:
    """The events of an active SIM in UTC hour ``hour`` (hours since the epoch), in time order."""
    start = datetime.fromtimestamp(hour * HOUR, UTC)
    weight = w(hour)
    session = _sid("HD", sim.sid, hour)
    began = start + timedelta(seconds=30 + int(session[2:6], 16) % 570)
    up, down = sim.rate_up * weight, sim.rate_down * weight
    common = {"data_session_sid": session, "data_session_start_time": iso(began), "ip_address": _ip(sim)}
    out = []
    if visited is not None:  # back home from the visited network before the session
        out.append(event("attachment.accepted", sim, began - timedelta(seconds=20)))
    out.append(event("data-session.started", sim, began, **common))
    half = {"data_upload": up // 2, "data_download": down // 2, "data_total": up // 2 + down // 2}
    out.append(event("data-session.updated", sim, start + timedelta(seconds=HOUR // 2), **common, **half))
    end = start + timedelta(seconds=HOUR * 3 // 4 if visited is not None else HOUR - 1)
    out.append(event("data-session.ended", sim, end, **common,
                     data_upload=up, data_download=down, data_total=up + down))  # fmt: skip
    if visited is not None:
        out.append(event("attachment.accepted", sim, end + timedelta(seconds=60), network=visited))
    return out


def _ip(sim) -> str:
    from .services import device_ip

    return device_ip(sim)


def window_events(since: datetime, until: datetime) -> list[dict]:
    """Every event whose time lies in ``(since, until]``, in time order: the hourly sessions (and roaming)
    of the active SIMs, the refused attachments of the SIMs made inactive."""
    from .models import NapNetwork, Sim

    if until <= since:
        return []
    hours = range(int(since.timestamp()) // HOUR, int(until.timestamp()) // HOUR + 1)
    networks_of_nap: dict[int, list] = {}
    for link in NapNetwork.objects.select_related("network").order_by("id"):
        networks_of_nap.setdefault(link.nap_id, []).append(link.network)
    out = []
    active = Sim.objects.filter(status="active").select_related("home_network", "fleet").order_by("id")
    for sim in active.iterator(chunk_size=1000):
        visited = visited_network(sim, networks_of_nap)
        for hour in hours:
            out.extend(sim_hour(sim, hour, visited))
    # a device whose SIM was made inactive keeps trying: one refused attachment per hour
    refused = Sim.objects.filter(status="inactive", activated_at__isnull=False).select_related(
        "home_network", "fleet"
    )
    cause = {"code": "7", "message": "The SIM is not active"}
    for sim in refused.order_by("id").iterator(chunk_size=1000):
        for hour in hours:
            at = datetime.fromtimestamp(hour * HOUR + int(_fraction("refused", sim.sid, hour) * HOUR), UTC)
            out.append(event("attachment.rejected", sim, at, error=cause))
    out = [e for e in out if since < _time(e) <= until]
    out.sort(key=_time)
    return out


def _time(e: dict) -> datetime:
    return datetime.fromisoformat(e["time"].replace("Z", "+00:00"))


def _signed(sink: str, body: str) -> tuple[str, tuple | None, dict]:
    """The URL to POST to (no user info; Twilio mode: with ``bodySHA256``), the Basic credentials of the
    sink URL's user info and the headers, signed as the provider the sandbox plays signs."""
    from twilio.request_validator import RequestValidator

    from .contract import is_kore

    parts = urlsplit(sink)
    auth = (unquote(parts.username or ""), unquote(parts.password or "")) if parts.username else None
    netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
    headers = {"Content-Type": "application/cloudevents-batch+json"}
    if is_kore():
        secret = getattr(settings, "SANDBOX_KORE_WEBHOOK_SECRET", "") or ""
        bare = f"{parts.scheme}://{netloc}{parts.path}"
        headers["kore-signature"] = hashlib.sha256(f"{secret}POST{bare}{body}".encode()).hexdigest()
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, "")), auth, headers
    digest = urlencode({"bodySHA256": hashlib.sha256(body.encode()).hexdigest()})
    query = f"{parts.query}&{digest}" if parts.query else digest
    url = urlunsplit((parts.scheme, netloc, parts.path, query, ""))
    headers["X-Twilio-Signature"] = RequestValidator(settings.SANDBOX_AUTH_TOKEN).compute_signature(url, {})
    return url, auth, headers


def _post(sink: str, batch: list[dict]) -> bool:
    body = json.dumps(batch, separators=(",", ":"))
    url, auth, headers = _signed(sink, body)
    stats["posts"] += 1
    try:
        response = requests.post(url, data=body.encode(), auth=auth, timeout=5, headers=headers)
    except requests.RequestException as exc:
        log.warning("sandbox events: %s unreachable: %s", urlsplit(url).netloc, exc)
        stats["failed"] += 1
        return False
    if response.status_code >= 300:
        log.warning("sandbox events: %s answered %s", urlsplit(url).netloc, response.status_code)
        stats["failed"] += 1
    return response.status_code < 300


def flush() -> int:
    """POST what is queued to every sink in batches of ``BATCH``; a batch a sink refused is queued again
    (for all sinks: receivers deduplicate), and so is a batch picked by fault injection. Returns the number
    of events delivered (a redelivered one counted each time)."""
    with _lock:
        work = list(_pending)
        _pending.clear()
    rate = float(getattr(settings, "SANDBOX_EVENT_FAULT_RATE", 0.0) or 0.0)
    delivered = 0
    for i in range(0, len(work), BATCH):
        chunk = work[i : i + BATCH]
        faulty = rate > 0 and _rng.random() < rate
        if faulty:
            chunk = _rng.sample(chunk, len(chunk))  # out of order
        results = [_post(sink, [e for _, e in chunk]) for sink in sinks()]  # every sink, no short cut
        if all(results):
            delivered += len(chunk)
            if faulty:  # the acknowledgement "was lost": Event Streams would send the batch again
                again = [(ATTEMPTS, e) for n, e in chunk if n < ATTEMPTS]  # once more, never again
                stats["redelivered"] += len(again)
                with _lock:
                    _pending.extend(again)
        else:
            with _lock:
                _pending.extend((n + 1, e) for n, e in chunk if n + 1 < ATTEMPTS)
    return delivered


def tick(at: datetime) -> int:
    """Queue the events whose time has come since the last tick (the first one of a process goes
    ``BACKFILL_HOURS`` back), at most every ``EMIT_SECONDS``, then :func:`flush`."""
    global _since
    if not sinks():
        return 0
    if _since is None:
        _since = at - timedelta(hours=BACKFILL_HOURS)
    if at - _since >= timedelta(seconds=EMIT_SECONDS):
        since, _since = _since, at
        enqueue(*window_events(since, at))
    return flush()


def reset() -> None:
    """Forget what was queued and emitted (a process start; tests)."""
    global _since
    with _lock:
        _pending.clear()
    _since = None
    stats.update(posts=0, failed=0, redelivered=0)
