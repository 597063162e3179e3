"""Checking the signatures of callbacks (webhooks) from Twilio or KORE.

* Twilio: ``X-Twilio-Signature`` = base64 HMAC-SHA1 of the URL + sorted POST params with the primary Auth
  Token; checked with the official ``twilio.request_validator.RequestValidator``. A body that is not
  form-encoded (JSON) is signed differently: the URL carries ``bodySHA256=<hex SHA-256 of the raw body>`` in
  its query string and the signature covers that URL alone (no params). A non-form body without
  ``bodySHA256`` is not covered by any signature: refused.
* KORE: ``kore-signature`` = hex SHA-256 (a plain hash, not an HMAC) of
  ``webhook_secret + HTTP method + callback URL without query or fragment + raw body``.

The URL must be the one the provider called: behind a proxy, set ``PUBLIC_BASE_URL`` (and
``SECURE_PROXY_SSL_HEADER``), see :func:`public_url`. No views here: the webhook endpoints call
:func:`verify_request`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from urllib.parse import parse_qs, urlsplit, urlunsplit

from django.conf import settings
from django.http.multipartparser import MultiPartParserError
from twilio.request_validator import RequestValidator

TWILIO_HEADER = "X-Twilio-Signature"
KORE_HEADER = "kore-signature"
KORE_IDEMPOTENCY_HEADER = "kore-idempotency-token"
TWILIO_IDEMPOTENCY_HEADER = "I-Twilio-Idempotency-Token"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def is_form(request) -> bool:
    """True when the body is form-encoded (its parameters are in ``request.POST``)."""
    return (request.content_type or "").lower() in FORM_TYPES


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
    base = settings.PUBLIC_BASE_URL
    if base:
        query = request.META.get("QUERY_STRING", "")
        return f"{base.rstrip('/')}{request.path}" + (f"?{query}" if query else "")
    return request.build_absolute_uri()


def verify_request(request) -> bool:
    """Check the signature of an incoming webhook with the scheme of ``WEBHOOK_SIGNATURE_SCHEME``."""
    scheme = (settings.WEBHOOK_SIGNATURE_SCHEME or "twilio").lower()
    url = public_url(request)
    request.body  # noqa: B018 - read the raw body first: it stays readable after request.POST parses it
    if scheme == "kore":
        return validate_kore_signature(
            secret=settings.KORE_WEBHOOK_SECRET,
            method=request.method,
            url=url,
            body=request.body,
            signature=request.headers.get(KORE_HEADER, ""),
        )
    if scheme == "twilio":
        signature = request.headers.get(TWILIO_HEADER, "")
        if request.method == "POST" and not is_form(request) and request.body:
            return validate_twilio_body_signature(url=url, body=request.body, signature=signature)
        params = request.POST if request.method == "POST" else {}  # a QueryDict: repeated keys kept
        return validate_twilio_signature(url=url, params=params, signature=signature)
    return False


def validate_twilio_body_signature(
    *, url: str, body: bytes, signature: str, auth_token: str | None = None
) -> bool:
    """True when a non-form body (JSON, binary) is signed the Twilio way: ``url`` carries
    ``bodySHA256`` = hex SHA-256 of the raw ``body`` bytes (constant-time comparison) and ``signature`` is
    Twilio's signature of ``url`` with no params. False (never an exception) for anything else."""
    token = auth_token if auth_token is not None else settings.TWILIO_AUTH_TOKEN
    claimed = parse_qs(urlsplit(url).query).get("bodySHA256", [""])[0].strip().lower()
    if not token or not signature or not claimed:
        return False
    if not hmac.compare_digest(hashlib.sha256(body).hexdigest(), claimed):
        return False
    return bool(RequestValidator(token).validate(url, {}, signature))


def request_payload(request) -> dict:
    """What the provider sent, whatever its content type, as a dict a JSON column stores on any database:

    * GET: the query parameters; a form body: its parameters (a QueryDict, repeated keys kept);
    * a JSON object: that object (keys sorted at every level, so equal content is equal data); any other
      JSON value: ``{"_json": value}``;
    * anything else (and a form or JSON body that does not parse, or holds a NUL character, which
      PostgreSQL's jsonb cannot store): the raw body, ``{"_body": text}`` (UTF-8) or
      ``{"_body_base64": ...}``, with ``"_content_type"``; a GET query with a NUL: ``{"_query": raw query}``.
    """
    if request.method != "POST":
        if _has_nul(list(request.GET.lists())):
            return {"_query": request.META.get("QUERY_STRING", "")}
        return request.GET
    body = request.body or b""  # read first: a multipart body stays readable after request.POST
    if is_form(request):
        try:
            form = request.POST
        except MultiPartParserError:
            form = None
        if form and not _has_nul(list(form.lists())):
            return form
    else:
        try:
            value = json.loads(body, parse_constant=_refuse)  # NaN / Infinity are not JSON a column keeps
        except ValueError:  # UnicodeDecodeError and JSONDecodeError both
            value = _NOT_JSON
        if value is not _NOT_JSON and not _has_nul(value):
            return _sorted(value) if isinstance(value, dict) else {"_json": _sorted(value)}
    try:
        text = body.decode("utf-8")
        raw = {"_body_base64": base64.b64encode(body).decode("ascii")} if "\x00" in text else {"_body": text}
    except UnicodeDecodeError:
        raw = {"_body_base64": base64.b64encode(body).decode("ascii")}
    return raw | {"_content_type": request.content_type or ""}


_NOT_JSON = object()


def _refuse(constant: str):
    raise ValueError(constant)


def _has_nul(value) -> bool:
    """True when a NUL character is anywhere in the JSON-able ``value`` (keys, values, nested)."""
    return "\\u0000" in json.dumps(value)


def _sorted(value):
    if isinstance(value, dict):
        return {str(k): _sorted(value[k]) for k in sorted(value, key=str)}
    if isinstance(value, list):
        return [_sorted(v) for v in value]
    return value


def delivery_token(request) -> str:
    """The provider's idempotency token of this delivery (KORE's ``kore-idempotency-token`` or Twilio's
    ``I-Twilio-Idempotency-Token``), else ``""``. Not covered by any signature: a delivery is also
    deduplicated on its content (``apps.commands.services.webhook_receive``), so a replay under a fresh token
    is still one."""
    return (
        request.headers.get(KORE_IDEMPOTENCY_HEADER, "") or request.headers.get(TWILIO_IDEMPOTENCY_HEADER, "")
    ).strip()
