"""Who may post connection events.

Event Streams webhook sinks (KORE's, and Twilio's before) authenticate with HTTP Basic credentials put in the
sink URL's user info (``https://user:password@host/webhooks/connection-events/``); Twilio's also sign each
request with ``X-Twilio-Signature`` (KORE's destinations with ``kore-signature``).

* ``CONNECTION_EVENTS_BASIC_USERNAME`` + ``CONNECTION_EVENTS_BASIC_PASSWORD`` set: those credentials are
  required (401 with a Basic challenge otherwise); a request that also carries a signature header must carry
  a valid one (apps/supersim/webhooks.py, the scheme of ``WEBHOOK_SIGNATURE_SCHEME``).
* Not set: a valid signature is required (403 otherwise); with no Auth Token / KORE secret configured
  either, every request is refused.
"""

from __future__ import annotations

import base64
import binascii
import hmac

from django.conf import settings

from apps.supersim.webhooks import KORE_HEADER, TWILIO_HEADER, verify_request

REALM = "connection-events"


def basic_configured() -> bool:
    return bool(settings.CONNECTION_EVENTS_BASIC_USERNAME and settings.CONNECTION_EVENTS_BASIC_PASSWORD)


def basic_ok(request) -> bool:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return False
    try:
        username, sep, password = (
            base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
        )
    except (binascii.Error, UnicodeDecodeError):
        return False
    user_ok = hmac.compare_digest(username.encode(), settings.CONNECTION_EVENTS_BASIC_USERNAME.encode())
    password_ok = hmac.compare_digest(password.encode(), settings.CONNECTION_EVENTS_BASIC_PASSWORD.encode())
    return bool(sep) and user_ok and password_ok


def has_signature(request) -> bool:
    return bool(request.headers.get(TWILIO_HEADER) or request.headers.get(KORE_HEADER))


def check_basic(request) -> str:
    """``""`` when the Basic part passes (or is not configured), else why not (answered 401)."""
    if basic_configured() and not basic_ok(request):
        return "HTTP Basic credentials required"
    return ""


def check_signature(request) -> str:
    """``""`` when the signature part passes, else why not (answered 403). Reads the body."""
    if basic_configured() and not has_signature(request):
        return ""
    if not has_signature(request):
        return "a signature (X-Twilio-Signature or kore-signature) is required"
    return "" if verify_request(request) else "invalid signature"
