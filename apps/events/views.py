"""Connection events: the ingest webhook (own authentication: apps/events/auth.py) and the pages."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from apps.accounts.permissions import ViewerRequiredMixin
from apps.core.csvsafe import csv_rows
from apps.core.views import ObjectListView

from . import auth, selectors
from .filtersets import ConnectionEventFilterSet, DeadLetterFilterSet
from .models import ConnectionEvent, DeadLetter
from .services import IngestError, receive
from .tables import ConnectionEventTable, DeadLetterTable

logger = logging.getLogger(__name__)


def _refuse(status: int, message: str) -> JsonResponse:
    response = JsonResponse({"error": message}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = f'Basic realm="{auth.REALM}"'
    return response


@csrf_exempt
@login_not_required
def ingest(request):
    """``POST /webhooks/connection-events/``: one CloudEvent (structured), a batch (JSON array) or a binary
    mode event (``ce-*`` headers). Answers 202 once the delivery is committed (its processing is queued on
    the ``events`` queue), with ``{"batch": id, "received": n}``; 401/403 unauthenticated, 413 over
    ``CONNECTION_EVENTS_MAX_BYTES``, 400 for a body that is not JSON: nothing stored in those cases."""
    if request.method != "POST":
        return _refuse(405, "POST only")
    reason = auth.check_basic(request)
    if reason:
        logger.warning("connection events: %s from %s", reason, request.META.get("REMOTE_ADDR"))
        return _refuse(401, reason)
    limit = settings.CONNECTION_EVENTS_MAX_BYTES
    length = request.META.get("CONTENT_LENGTH") or "0"
    if length.isdigit() and int(length) > limit:
        return _refuse(413, f"the body is larger than {limit} bytes: send smaller batches")
    try:
        body = request.body
    except RequestDataTooBig:
        return _refuse(413, f"the body is larger than {limit} bytes: send smaller batches")
    if len(body) > limit:
        return _refuse(413, f"the body is larger than {limit} bytes: send smaller batches")
    reason = auth.check_signature(request)
    if reason:
        logger.warning("connection events: %s from %s", reason, request.META.get("REMOTE_ADDR"))
        return _refuse(403, reason)
    try:
        batch = receive(
            body=body,
            content_type=request.content_type,
            headers=request.headers,
            remote_addr=request.META.get("REMOTE_ADDR", ""),
        )
    except IngestError as exc:
        return _refuse(exc.status, exc.message)
    return JsonResponse({"batch": batch.pk, "received": batch.members}, status=202)


class ConnectionEventListView(ObjectListView):
    """Every stored event, newest first; search by SIM, type, network, country and time."""

    queryset = ConnectionEvent.objects.defer("data").order_by("-timestamp", "-id")
    filterset_class = ConnectionEventFilterSet
    table_class = ConnectionEventTable
    template_name = "events/event_list.html"
    page_title = "Connection events"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        for key in ("page", "sort", "per_page"):
            query.pop(key, None)
        context["filter_query"] = query.urlencode()
        return context


class ConnectionEventCsvView(ViewerRequiredMixin, View):
    """The events of the current filter as CSV, streamed (formula cells neutralised)."""

    def get(self, request):
        filterset = ConnectionEventFilterSet(request.GET, queryset=ConnectionEvent.objects.defer("data"))
        queryset = filterset.qs if filterset.is_valid() else ConnectionEvent.objects.none()
        rows = selectors.export_rows(queryset)
        response = StreamingHttpResponse(csv_rows(selectors.EXPORT_HEADER, rows), content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="connection-events.csv"'
        return response


class DeadLetterListView(ObjectListView):
    """Members of deliveries that could not be read as connection events, as sent, newest first."""

    queryset = DeadLetter.objects.order_by("-received_at", "-id")
    filterset_class = DeadLetterFilterSet
    table_class = DeadLetterTable
    page_title = "Connection events: dead letters"


class SimTimelineView(ViewerRequiredMixin, View):
    """The SIM's connection state and timeline (a partial the SIM detail page loads and refreshes)."""

    def get(self, request, sid):
        now = timezone.now()
        state = selectors.sim_state(sid)
        context = {
            "sim_sid": sid,
            "state": state,
            "online": state.is_online(now) if state else False,
            "items": selectors.sim_timeline(sid),
        }
        return render(request, "events/_sim_timeline.html", context)


HEALTH_SECONDS = 30  # the panel refreshes every 60 s; at 100,000 SIMs its counts are a pass over them


class FleetHealthView(ViewerRequiredMixin, View):
    """The fleet health panel (all SIMs, or ``?fleet=HF...``), a partial of the home and fleet pages; its
    counts are computed at most every ``HEALTH_SECONDS`` per fleet (and again at once after a sync changed
    the SIMs: the key holds their data version)."""

    def get(self, request):
        from apps.core.cache import cached_value, data_version
        from apps.sims.selectors import SIMS_DATA

        fleet = request.GET.get("fleet", "").strip()[:34]
        key = f"events:health:{fleet}:{data_version(SIMS_DATA)}"
        health = cached_value(key, lambda: selectors.fleet_health(fleet_sid=fleet), HEALTH_SECONDS)
        return render(request, "events/_health.html", {"health": health})


def tile_origin(url: str) -> str:
    """The origin of a tile URL template for the CSP (``https://{s}.tile.example.org/{z}/{x}/{y}.png`` ->
    ``https://*.tile.example.org``), ``""`` for none or a URL that is not http(s)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url.replace("{s}.", "sub-domain-placeholder."))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    host = parts.hostname.replace("sub-domain-placeholder.", "*.")
    return f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")


class MapView(ViewerRequiredMixin, View):
    """The last-known location of each SIM on a map (Leaflet, markers clustered): on the vendored world
    outline, or on the tiles of ``MAP_TILE_URL`` where a deployment has a tile server (its origin is then
    allowed in the page's CSP ``img-src``, and only then)."""

    def get(self, request):
        from apps.core.middleware import CONTENT_SECURITY_POLICY

        tile_url = settings.MAP_TILE_URL
        context = {
            "page_title": "Map of last-known locations",
            "tile_url": tile_url,
            "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
            "fleet": request.GET.get("fleet", "").strip()[:34],
        }
        response = render(request, "events/map.html", context)
        origin = tile_origin(tile_url)
        if origin:
            response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
                "img-src 'self' data:", f"img-src 'self' data: {origin}"
            )
        return response


class MapMarkersView(ViewerRequiredMixin, View):
    """``GET ?bbox=west,south,east,north&fleet=HF...``: the map's markers as JSON
    (:func:`apps.events.selectors.map_markers`: bounded, clustered on the server past a cap)."""

    def get(self, request):
        data = selectors.map_markers(
            bbox=request.GET.get("bbox", "")[:200], fleet_sid=request.GET.get("fleet", "").strip()[:34]
        )
        return JsonResponse(data)
