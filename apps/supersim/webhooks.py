"""Checking the signatures of callbacks (webhooks) from Twilio or KORE.

* Twilio: ``X-Twilio-Signature`` = base64 HMAC-SHA1 of the URL + sorted POST params with the primary Auth
  Token; checked with the official ``twilio.request_validator.RequestValidator``.
* KORE: ``kore-signature`` = hex SHA-256 (a plain hash, not an HMAC) of
  ``webhook_secret + HTTP method + callback URL without query or fragment + raw body``.

The URL must be the one the provider called: behind a proxy, set ``PUBLIC_BASE_URL`` (and
``SECURE_PROXY_SSL_HEADER``), see :func:`public_url`. No views here: the webhook endpoints call
:func:`verify_request`.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from twilio.request_validator import RequestValidator

TWILIO_HEADER = "X-Twilio-Signature"
KORE_HEADER = "kore-signature"
KORE_IDEMPOTENCY_HEADER = "kore-idempotency-token"


def validate_twilio_signature(
    *, url: str, params: Mapping | None, signature: str, auth_token: str | None = None
) -> bool:
    """True when ``signature`` is Twilio's signature of ``url`` + ``params`` with the Auth Token."""
    token = auth_token if auth_token is not None else settings.TWILIO_AUTH_TOKEN
    if not token or not signature:
        return False
    return bool(RequestValidator(token).validate(url, params or {}, signature))


def compute_kore_signature(*, secret: str, method: str, url: str, body: bytes) -> str:
    parts = urlsplit(url)
    bare = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    prefix = f"{secret}{method.upper()}{bare}".encode()
    return hashlib.sha256(prefix + (body or b"")).hexdigest()


def validate_kore_signature(*, secret: str, method: str, url: str, body: bytes, signature: str) -> bool:
    """True when ``signature`` is KORE's ``kore-signature`` for this request (constant-time comparison)."""
    if not signature:
        return False
    expected = compute_kore_signature(secret=secret, method=method, url=url, body=body)
    return hmac.compare_digest(expected, signature.strip().lower())


def public_url(request) -> str:
    """The URL the provider called: ``PUBLIC_BASE_URL`` + path + query when configured, else the request's."""
    base = getattr(settings, "PUBLIC_BASE_URL", "")
    if base:
        query = request.META.get("QUERY_STRING", "")
        return f"{base.rstrip('/')}{request.path}" + (f"?{query}" if query else "")
    return request.build_absolute_uri()


def verify_request(request) -> bool:
    """Check the signature of an incoming webhook with the scheme of ``WEBHOOK_SIGNATURE_SCHEME``."""
    scheme = (getattr(settings, "WEBHOOK_SIGNATURE_SCHEME", "twilio") or "twilio").lower()
    url = public_url(request)
    if scheme == "kore":
        return validate_kore_signature(
            secret=getattr(settings, "KORE_WEBHOOK_SECRET", ""),
            method=request.method,
            url=url,
            body=request.body,
            signature=request.headers.get(KORE_HEADER, ""),
        )
    if scheme == "twilio":
        params = request.POST if request.method == "POST" else {}  # a QueryDict: repeated keys kept
        # JSON bodies are signed with a bodySHA256 query parameter; the validator handles both forms
        if request.method == "POST" and not request.POST and request.body:
            return bool(
                settings.TWILIO_AUTH_TOKEN
                and RequestValidator(settings.TWILIO_AUTH_TOKEN).validate(
                    url, request.body.decode("utf-8", "replace"), request.headers.get(TWILIO_HEADER, "")
                )
            )
        return validate_twilio_signature(
            url=url, params=params, signature=request.headers.get(TWILIO_HEADER, "")
        )
    return False
