"""Small htmx helpers shared by every app (events, partial-vs-page rendering)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django_htmx.http import trigger_client_event

#: htmx stops polling when the server answers this status (final state reached).
HTMX_STOP_POLLING = 286


def is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def render_page_or_partial(
    request: HttpRequest, *, page: str, partial: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    """Render the whole page, or only ``partial`` for an htmx request (not a boosted one)."""
    htmx = getattr(request, "htmx", None)
    template = partial if htmx and not htmx.boosted else page
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response


def trigger(response: HttpResponse, name: str, params: dict[str, Any] | None = None) -> HttpResponse:
    """Send a client event (``<entity><PastVerb>``, e.g. ``simUpdated``) with the response."""
    return trigger_client_event(response, name, params or {})
