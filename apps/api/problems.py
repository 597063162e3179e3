"""Errors as RFC 9457 problem details (``application/problem+json``: type, title, status, detail)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from apps.sims.services import BulkNothingToDo, SimStatusNotAllowed
from apps.supersim.errors import SuperSimError

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://supersim-admin.invalid/problems/"

TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    415: "Unsupported media type",
    422: "Unprocessable content",
    429: "Too many requests",
    502: "The Super SIM API failed",
}


def problem(
    status_code: int, detail: str, *, kind: str = "", headers: dict | None = None, **extra
) -> Response:
    body = {
        "type": TYPE_BASE + (kind or str(status_code)),
        "title": TITLES.get(status_code, "Error"),
        "status": status_code,
        "detail": detail,
        **extra,
    }
    response = Response(body, status=status_code, headers=headers, content_type=PROBLEM_JSON)
    return response


def _flatten(detail) -> str:
    if isinstance(detail, dict):
        parts = []
        for key, value in detail.items():
            text = _flatten(value)
            parts.append(text if key in ("non_field_errors", "__all__", "detail") else f"{key}: {text}")
        return "; ".join(parts)
    if isinstance(detail, list):
        return " ".join(_flatten(v) for v in detail)
    return str(detail)


def api_refusal(exc: SuperSimError) -> Response:
    """The Super SIM API's refusal passed through: its 4xx as ours (404 stays 404, 429 stays 429), an outage
    or a 5xx of the API as 502 — never a 5xx of our own."""
    upstream = exc.status or 0
    # our credentials refused upstream (401) is the server's problem, not the caller's token: 502
    code = upstream if 400 <= upstream < 500 and upstream != 401 else status.HTTP_502_BAD_GATEWAY
    label = f"error {exc.code}" if exc.code is not None else f"HTTP {exc.status or 'no answer'}"
    return problem(
        code,
        f"The Super SIM API refused the request ({label}): {exc.message}",
        kind="supersim-api",
        api_status=exc.status,
        api_code=exc.code,
    )


def exception_handler(exc, context):
    """Every error of the API as problem+json (validation errors also keep ``errors``: field -> messages)."""
    if isinstance(exc, SuperSimError):
        return api_refusal(exc)
    if isinstance(exc, SimStatusNotAllowed | BulkNothingToDo):
        return problem(422, str(exc), kind="not-allowed")
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "Not found.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a bug: Django's 500 handling (and the test) sees it
    headers = {k: v for k, v in response.items() if k in ("WWW-Authenticate", "Retry-After", "Allow")}
    extra = {}
    if isinstance(exc, exceptions.ValidationError):
        extra["errors"] = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        detail = _flatten(exc.detail)
    else:
        detail = _flatten(getattr(exc, "detail", str(exc)))
    return problem(response.status_code, detail, headers=headers, **extra)
