"""The htmx helpers shared by every app (NetBox's ``utilities/htmx.py``): partial-vs-page rendering, the
redirect after a form, client events. Views use these rather than choosing a template or setting
``Vary`` by hand."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

#: htmx stops polling when the server answers this status (final state reached).
HTMX_STOP_POLLING = 286


def is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def render_page_or_partial(
    request: HttpRequest,
    *,
    page: str,
    partial: str | dict[str, str],
    context: dict[str, Any],
    status: int = 200,
) -> HttpResponse:
    """Render the whole ``page``, or a partial for an htmx request that is not boosted (a boosted one
    swaps the whole page): ``partial`` itself, or - given a dict ``{HX-Target: template}`` - the template
    of the element the request aims at (any other target gets the page). ``Vary`` names the request
    headers the choice read, so a cache never serves one for the other."""
    htmx = getattr(request, "htmx", None)
    partial_request = bool(htmx) and not htmx.boosted
    if isinstance(partial, dict):
        template = (partial.get(htmx.target) if partial_request else None) or page
        vary = ("HX-Request", "HX-Target")
    else:
        template = partial if partial_request else page
        vary = ("HX-Request",)
    response = render(request, template, context, status=status)
    patch_vary_headers(response, vary)
    return response


def htmx_redirect(request: HttpRequest, url: str) -> HttpResponse:
    """Where a form's success sends the browser: ``HX-Redirect`` (a full page load) for an htmx request,
    a plain 302 otherwise."""
    return HttpResponseClientRedirect(url) if is_htmx(request) else HttpResponseRedirect(url)


def trigger(response: HttpResponse, name: str, params: dict[str, Any] | None = None) -> HttpResponse:
    """Send a client event (``<entity><PastVerb>``, e.g. ``simUpdated``) with the response."""
    return trigger_client_event(response, name, params or {})
