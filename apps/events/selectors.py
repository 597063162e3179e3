"""Reads of connection events: the SIM timeline, the fleet health panel, the events list and its CSV."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from apps.sims.models import Sim

from .models import REJECTIONS, SESSION_TYPES, ConnectionEvent, EventType, SimConnectionState
from .parse import cause_in_words

TIMELINE_EVENTS = 200


@dataclass
class TimelineItem:
    kind: str  # session / attachment / rejection / network
    at: datetime
    title: str
    detail: str = ""
    network: str = ""
    rat: str = ""
    started_at: datetime | None = None
    ended_at: datetime | None = None
    bytes_total: int | None = None
    bytes_up: int | None = None
    bytes_down: int | None = None
    open: bool = False
    events: list = field(default_factory=list)

    @property
    def duration(self) -> timedelta | None:
        if self.started_at and self.ended_at:
            return self.ended_at - self.started_at
        return None


def _network(event: ConnectionEvent) -> str:
    name = event.network_name or event.network_sid
    return f"{name} ({event.iso_country})" if name and event.iso_country else name


def sim_timeline(sim_sid: str, *, limit: int = TIMELINE_EVENTS) -> list[TimelineItem]:
    """The SIM's last ``limit`` events (one index scan of ``events_sim_newest``) as a timeline, newest
    first: each data session once (its events merged: start, end, duration, bytes of its newest event),
    attachments, rejections with their cause in words, and a network change wherever the network differs
    from the one of the event before it."""
    events = list(
        ConnectionEvent.objects.filter(sim_sid=sim_sid).defer("data").order_by("-timestamp", "-id")[:limit]
    )
    events.reverse()  # oldest first to merge sessions and see network changes
    items: list[TimelineItem] = []
    sessions: dict[str, TimelineItem] = {}
    previous_network = ""
    for event in events:
        network = _network(event)
        if network and previous_network and network != previous_network and event.type not in REJECTIONS:
            items.append(
                TimelineItem("network", event.timestamp, "Network changed", f"{previous_network} → {network}")
            )
        if network and event.type not in REJECTIONS:
            previous_network = network
        if event.type in SESSION_TYPES:
            key = event.data_session_sid or event.event_sid
            item = sessions.get(key)
            if item is None:
                item = sessions[key] = TimelineItem(
                    "session", event.timestamp, "Data session", network=network
                )
                item.started_at = event.session_started_at or (
                    event.timestamp if event.type == EventType.SESSION_STARTED else None
                )
                items.append(item)
            item.events.append(event)
            item.at = max(item.at, event.timestamp)
            item.network, item.rat = network or item.network, event.rat_type or item.rat
            if event.session_started_at:
                item.started_at = event.session_started_at
            elif event.type == EventType.SESSION_STARTED:
                item.started_at = event.timestamp
            if event.type == EventType.SESSION_ENDED:
                item.ended_at = event.timestamp
            if event.data_total is not None:
                item.bytes_total, item.bytes_up, item.bytes_down = (
                    event.data_total,
                    event.data_upload,
                    event.data_download,
                )
            item.open = item.ended_at is None
        elif event.type in REJECTIONS:
            title = (
                "Attachment rejected" if event.type == EventType.ATTACHMENT_REJECTED else "Attachment failed"
            )
            detail = cause_in_words(event.error_code, event.error_message)
            items.append(
                TimelineItem("rejection", event.timestamp, title, detail, network=network, rat=event.rat_type)
            )
        else:
            items.append(
                TimelineItem("attachment", event.timestamp, "Attached", network=network, rat=event.rat_type)
            )
    # newest first; of two items at the same time, the later one (an event after the network change it made)
    order = {id(item): n for n, item in enumerate(items)}
    items.sort(key=lambda i: (i.at, order[id(i)]), reverse=True)
    return items


def sim_state(sim_sid: str) -> SimConnectionState | None:
    return SimConnectionState.objects.filter(sim_sid=sim_sid).first()


def fleet_health(*, fleet_sid: str = "", now=None) -> dict:
    """Online / offline / never-connected counts of the live SIMs (of one fleet), and the rejections since
    midnight (local time): two queries whatever the fleet's size - one pass over the live SIMs joined to
    their states (a parallel hash join; "online" as ``SimConnectionState.objects.online_q``), one index
    range of today's rejections. Online + offline + never connected = the live SIMs (a state of a SIM not
    synced yet, or removed, is not counted)."""
    from django.db import connection

    from .models import online_window, session_stale

    now = now or timezone.now()
    sim, state = Sim._meta.db_table, SimConnectionState._meta.db_table
    fleet_column = Sim._meta.get_field("fleet").column
    adapt = connection.ops.adapt_datetimefield_value
    where, params = "WHERE m.removed_at IS NULL", [adapt(now - session_stale()), adapt(now - online_window())]
    if fleet_sid:
        where, params = f'{where} AND m."{fleet_column}" = %s', [*params, fleet_sid]
    sql = f"""
        SELECT count(*), count(*) FILTER (WHERE connected), count(*) FILTER (WHERE connected AND online)
        FROM (SELECT s.attached_at IS NOT NULL AS connected,
                     COALESCE((s.in_session AND s.session_at >= %s) OR (s.attached_at >= %s
                               AND (s.rejected_at IS NULL OR s.attached_at > s.rejected_at)), FALSE) AS online
              FROM {sim} m LEFT JOIN {state} s ON s.sim_sid = m.sid {where}) AS x
    """  # noqa: S608 - table names from the models, values bound
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        total, ever, online = cursor.fetchone()
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    rejections = ConnectionEvent.objects.filter(type__in=REJECTIONS, timestamp__gte=midnight)
    if fleet_sid:
        fleet_sims = Sim.objects.filter(removed_at__isnull=True, fleet_id=fleet_sid).values("sid")
        rejections = rejections.filter(Q(fleet_sid=fleet_sid) | Q(sim_sid__in=fleet_sims))
    return {
        "total": total,
        "online": online,
        "offline": max(ever - online, 0),
        "never": max(total - ever, 0),
        "rejections_today": rejections.count(),
        "fleet_sid": fleet_sid,
    }


EXPORT_HEADER = [
    "timestamp",
    "type",
    "sim_sid",
    "iccid",
    "fleet_sid",
    "network_sid",
    "network",
    "iso_country",
    "mcc",
    "mnc",
    "rat_type",
    "imei",
    "data_session_sid",
    "data_upload",
    "data_download",
    "data_total",
    "cell_id",
    "lat",
    "lon",
    "error_code",
    "error_message",
    "event_sid",
]


def export_rows(queryset):
    """CSV rows of ``queryset`` (streamed in chunks)."""
    for e in queryset.order_by("-timestamp", "-id").iterator(chunk_size=2000):
        yield [
            e.timestamp.isoformat(),
            e.type,
            e.sim_sid,
            e.iccid,
            e.fleet_sid,
            e.network_sid,
            e.network_name,
            e.iso_country,
            e.mcc,
            e.mnc,
            e.rat_type,
            e.imei,
            e.data_session_sid,
            e.data_upload,
            e.data_download,
            e.data_total,
            e.cell_id,
            e.lat,
            e.lon,
            e.error_code,
            e.error_message,
            e.event_sid,
        ]


# --- SIM list filters (apps/sims/filtersets.py): subqueries on the state table, served by its indexes -------
CONNECTION_CHOICES = [("online", "Online"), ("offline", "Offline"), ("never", "Never connected")]


def filter_sims_by_connection(queryset, value: str, *, now=None):
    """``queryset`` of SIMs narrowed to those ``online``, ``offline`` (connected once, not online now) or
    ``never`` connected (no accepted attachment nor data session ever received)."""
    connected = SimConnectionState.objects.filter(attached_at__isnull=False)
    online_q = SimConnectionState.objects.online_q(now)
    if value == "online":
        return queryset.filter(sid__in=connected.filter(online_q).values("sim_sid"))
    if value == "offline":
        return queryset.filter(sid__in=connected.exclude(online_q).values("sim_sid"))
    if value == "never":
        return queryset.exclude(Exists(connected.filter(sim_sid=OuterRef("sid"))))  # an anti-join
    return queryset


def filter_sims_offline_for(queryset, hours, *, now=None):
    """SIMs seen once, not online now, and not seen for more than ``hours`` hours."""
    now = now or timezone.now()
    states = SimConnectionState.objects.filter(last_seen_at__lt=now - timedelta(hours=float(hours)))
    return queryset.filter(sid__in=states.exclude(SimConnectionState.objects.online_q(now)).values("sim_sid"))


def filter_sims_imei_changed(queryset, changed: bool):
    states = SimConnectionState.objects.filter(imei_changed=True)
    if changed:
        return queryset.filter(sid__in=states.values("sim_sid"))
    return queryset.exclude(Exists(states.filter(sim_sid=OuterRef("sid"))))


def annotate_connection(records) -> None:
    """Give each SIM of ``records`` (a page of the SIM list) ``connection`` (its state or ``None``) and
    ``connection_online``: one query whatever the page size."""
    records = list(records)
    states = SimConnectionState.objects.in_bulk([r.sid for r in records])
    now = timezone.now()
    for record in records:
        record.connection = states.get(record.sid)
        record.connection_online = bool(record.connection and record.connection.is_online(now))


# --- map of last-known locations ------------------------------------------------------------------------
MAP_MARKERS_MAX = 2000  # above this many located SIMs in view, the answer is a grid of server-side clusters
MAP_GRID = 24  # cells across the view's wider side when clustering on the server
MAP_GRID_SECONDS = 30  # a grid is kept this long (while the number of located SIMs in view is the same)


def _bbox(value: str) -> tuple[float, float, float, float] | None:
    """``west,south,east,north`` in degrees, clamped to the world; ``None`` if absent or not 4 numbers."""
    try:
        west, south, east, north = (float(v) for v in value.split(","))
    except (AttributeError, ValueError):
        return None
    if any(v != v for v in (west, south, east, north)):  # NaN
        return None
    west, east = max(-180.0, min(west, 180.0)), max(-180.0, min(east, 180.0))
    south, north = max(-90.0, min(south, 90.0)), max(-90.0, min(north, 90.0))
    if west >= east or south >= north:
        return None
    return west, south, east, north


def map_markers(*, bbox: str = "", fleet_sid: str = "", now=None, limit: int = MAP_MARKERS_MAX) -> dict:
    """The last-known location of each SIM that reported one (in ``bbox``, of one fleet), bounded: up to
    ``limit`` SIMs one marker each (sid, name, online, last seen, network); more than that, a grid of at most
    ``MAP_GRID``² server-side clusters (mean position, count) and a message asking to zoom in, kept
    ``MAP_GRID_SECONDS`` in the cache. Two queries (a count, then the markers or the grid) at most, whatever
    the number of SIMs."""
    from django.db.models import Avg, BooleanField, Count, ExpressionWrapper, OuterRef, Subquery
    from django.db.models.functions import Floor

    now = now or timezone.now()
    states = SimConnectionState.objects.filter(lat__isnull=False, lon__isnull=False)
    box = _bbox(bbox)
    if box:
        west, south, east, north = box
        states = states.filter(lon__gte=west, lon__lte=east, lat__gte=south, lat__lte=north)
    if fleet_sid:
        states = states.filter(sim_sid__in=Sim.objects.filter(fleet_id=fleet_sid).values("sid"))
    total = states.count()
    answer = {"total": total, "clustered": False, "markers": [], "clusters": [], "message": ""}
    if total <= limit:
        name = Sim.objects.filter(sid=OuterRef("sim_sid")).values("unique_name")[:1]
        online = ExpressionWrapper(SimConnectionState.objects.online_q(now), output_field=BooleanField())
        rows = states.annotate(name=Subquery(name), online=online).values_list(
            "sim_sid", "name", "lat", "lon", "online", "last_seen_at", "network_name", "iso_country"
        )
        answer["markers"] = [
            {
                "sid": sid,
                "name": name or "",
                "lat": lat,
                "lon": lon,
                "online": bool(is_online),
                "last_seen": last_seen.isoformat() if last_seen else None,
                "network": f"{network} ({country})" if network and country else network,
            }
            for sid, name, lat, lon, is_online, last_seen, network, country in rows.order_by("sim_sid")
        ]
        return answer
    from django.core.cache import cache

    key = f"events:map-grid:{fleet_sid}:{box}:{limit}"
    cached = cache.get(key)
    if cached is not None and cached["total"] == total:
        return cached  # the grid of the same SIMs, computed less than MAP_GRID_SECONDS ago
    west, south, east, north = box or (-180.0, -90.0, 180.0, 90.0)
    cell = max(east - west, north - south) / MAP_GRID
    grid = (
        states.annotate(gx=Floor((F("lon") - west) / cell), gy=Floor((F("lat") - south) / cell))
        .values("gx", "gy")
        .annotate(n=Count("sim_sid"), lat=Avg("lat"), lon=Avg("lon"))
        .order_by("gx", "gy")
    )
    answer["clusters"] = [{"lat": g["lat"], "lon": g["lon"], "count": g["n"]} for g in grid]
    answer["clustered"] = True
    answer["message"] = (
        f"{total:,} located SIMs in view, more than {limit:,}: shown as {len(answer['clusters']):,} groups; "
        "zoom in to see each SIM."
    )
    cache.set(key, answer, MAP_GRID_SECONDS)
    return answer
