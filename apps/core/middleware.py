from __future__ import annotations

import json

from django.contrib import messages
from django.http import HttpRequest, HttpResponse

# No inline script or style anywhere: htmx runs with allowEval=false and includeIndicatorStyles=false.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'; object-src 'none'"
)


class SecurityHeadersMiddleware:
    """Content-Security-Policy and friends on every HTML answer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response


class HtmxMessagesMiddleware:
    """For htmx requests, hand Django messages to the page as toasts via ``HX-Trigger: showMessages``.

    A full page shows them in base.html; an htmx swap has no place for them, so they travel in a header.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        htmx = getattr(request, "htmx", None)
        if not htmx or htmx.boosted or 300 <= response.status_code < 400 or "HX-Redirect" in response:
            return response
        pending = [
            {"level": m.level_tag or "info", "text": str(m.message)} for m in messages.get_messages(request)
        ]
        if not pending:
            return response
        try:
            events = json.loads(response.headers.get("HX-Trigger", "") or "{}")
            if not isinstance(events, dict):
                events = {}
        except ValueError:  # a plain event name, not JSON
            events = {name.strip(): {} for name in response.headers["HX-Trigger"].split(",")}
        events["showMessages"] = {"messages": pending}
        response.headers["HX-Trigger"] = json.dumps(events)
        return response
