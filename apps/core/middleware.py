from __future__ import annotations

import json
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme

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


class HtmxLoginRequiredMiddleware(LoginRequiredMiddleware):
    """``LoginRequiredMiddleware`` that answers htmx requests with 401 + ``HX-Redirect`` to the login page.

    A plain redirect would be followed by the browser's XHR and the login page swapped into a table (or a
    poll's target). htmx acts on ``HX-Redirect`` before it looks at the status, so the whole page goes to
    the login form; ``next`` is the page the browser shows (``HX-Current-URL``, same site only).
    """

    def handle_no_permission(self, request, view_func):
        if request.headers.get("HX-Request") != "true":
            return super().handle_no_permission(request, view_func)
        current = request.headers.get("HX-Current-URL", "")
        if current and url_has_allowed_host_and_scheme(
            current, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            parts = urlsplit(current)
            next_url = parts.path + (f"?{parts.query}" if parts.query else "")
        else:
            next_url = request.path
        login = redirect_to_login(
            next_url,
            resolve_url(self.get_login_url(view_func) or settings.LOGIN_URL),
            self.get_redirect_field_name(view_func),
        )
        response = HttpResponse(status=401)
        response["HX-Redirect"] = login["Location"]
        patch_vary_headers(response, ("HX-Request",))
        return response
