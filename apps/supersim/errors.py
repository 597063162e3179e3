"""Errors raised by the Super SIM client.

Every failure of a call to the API (an HTTP error answer, a timeout, a refused connection, an answer that is
not JSON) is raised as :class:`SuperSimError`; its fields come from Twilio's error JSON when there is one::

    {"code": 20404, "message": "The requested resource ... was not found",
     "more_info": "https://www.twilio.com/docs/errors/20404", "status": 404}

``status`` is the HTTP status (``0`` when no answer arrived: timeout or connection error), ``code`` the Twilio
error code (``None`` when the answer had none). ``retryable`` tells whether the same call may be tried again
later without harm: rate limits (429, never processed), outages (5xx) and network errors.
"""

from __future__ import annotations

from typing import Any


class SuperSimError(Exception):
    """An error answer (or no answer) from the Super SIM API."""

    retryable: bool = False

    def __init__(
        self,
        message: str,
        *,
        status: int | None = 0,
        code: int | None = None,
        more_info: str = "",
        details: Any = None,
        method: str = "",
        url: str = "",
        retry_after: float | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.status = status or 0
        self.code = code
        self.more_info = more_info or ""
        self.details = details
        self.method = method
        self.url = url
        self.retry_after = retry_after

    def __str__(self) -> str:
        prefix = f"{self.code}: " if self.code is not None else ""
        suffix = f" (HTTP {self.status})" if self.status else ""
        return f"{prefix}{self.message}{suffix}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status!r}, code={self.code!r}, message={self.message!r})"

    def as_dict(self) -> dict[str, Any]:
        """For audit entries and JSON answers."""
        return {
            "status": self.status,
            "code": self.code,
            "message": self.message,
            "more_info": self.more_info,
            "details": self.details,
        }

    @property
    def is_not_found(self) -> bool:
        return self.status == 404


class SuperSimClientError(SuperSimError):
    """4xx other than 429: the request is wrong; retrying it unchanged would fail again."""


class SuperSimRateLimitError(SuperSimError):
    """429 (code 20429): the request was NOT processed; safe to retry later (``retry_after`` seconds)."""

    retryable = True


class SuperSimServerError(SuperSimError):
    """5xx: an outage on the provider's side. A GET may be retried; a POST may or may not have happened."""

    retryable = True


class SuperSimNetworkError(SuperSimError):
    """No answer: timeout, refused or reset connection, TLS failure (``status`` is 0)."""

    retryable = True


class SuperSimAuthError(SuperSimClientError):
    """401/403, or the KORE token endpoint refused the client credentials."""


def error_from_response(response, *, method: str = "") -> SuperSimError:
    """Build the right :class:`SuperSimError` subclass from a ``requests.Response`` with an error status."""
    status = response.status_code
    code = None
    more_info = ""
    details = None
    message = ""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        raw_code = body.get("code")
        try:
            code = int(raw_code) if raw_code is not None else None
        except (TypeError, ValueError):
            code = None
        message = str(body.get("message") or body.get("error_description") or body.get("error") or "")
        more_info = str(body.get("more_info") or "")
        details = body.get("details")
    if not message:
        text = (response.text or "").strip()
        reason = response.reason or "error"
        message = f"{reason}: {text[:200]}" if text and body is None else str(reason)
    retry_after = parse_retry_after(response.headers.get("Retry-After"))
    kwargs = {
        "status": status,
        "code": code,
        "more_info": more_info,
        "details": details,
        "method": method,
        "url": response.url,
        "retry_after": retry_after,
    }
    if status == 429:
        return SuperSimRateLimitError(message, **kwargs)
    if status >= 500:
        return SuperSimServerError(message, **kwargs)
    if status in (401, 403):
        return SuperSimAuthError(message, **kwargs)
    return SuperSimClientError(message, **kwargs)


def parse_retry_after(value: str | None) -> float | None:
    """``Retry-After`` in seconds (an integer/float, or an HTTP date), ``None`` when absent or unparsable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    import datetime as dt

    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


def api_error_text(exc: SuperSimError) -> str:
    """The message a page shows when the API refused a change: the error code (or HTTP status) and the
    API's own words, e.g. "The API refused the change (error 83011): Unique name taken"."""
    code = f"error {exc.code}" if exc.code is not None else f"HTTP {exc.status or 'no answer'}"
    return f"The API refused the change ({code}): {exc.message}"
