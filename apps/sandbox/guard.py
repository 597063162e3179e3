"""Authentication (Twilio Basic, KORE bearer) and fault injection for every /sandbox/v1 request.

Faults live in the FaultConfig singleton so every process serving the sandbox (runserver threads, gunicorn
workers, the product's Celery worker hitting it over HTTP) sees the same settings; each process caches the
row for at most ``CACHE_SECONDS``. With a ``seed`` the sequence of faults is repeatable (random.Random(seed)).
"""

from __future__ import annotations

import base64
import hmac
import random
import threading
import time

from django.conf import settings
from django.utils import timezone

from .api import AUTH_FAILED, INTERNAL, TOO_MANY, UNAVAILABLE, ApiError
from .models import AccessToken, FaultConfig

CACHE_SECONDS = 1.0
FIELDS = ("rate_429", "rate_500", "rate_503", "delay_ms", "retry_after", "fail_prefix", "fail_page", "seed")

_lock = threading.Lock()
_cache: dict = {"at": 0.0, "config": None, "rng": None, "rng_key": None}


def default_faults() -> dict:
    return {
        "rate_429": float(settings.SANDBOX_FAULT_429_RATE),
        "rate_500": float(settings.SANDBOX_FAULT_500_RATE),
        "rate_503": float(settings.SANDBOX_FAULT_503_RATE),
        "delay_ms": int(settings.SANDBOX_FAULT_DELAY_MS),
        "retry_after": int(settings.SANDBOX_FAULT_RETRY_AFTER),
        "fail_prefix": "",
        "fail_page": None,
        "seed": None,
    }


def faults_get() -> dict:
    row = FaultConfig.objects.filter(pk=1).values(*FIELDS).first()
    return row if row is not None else default_faults()


def faults_set(**changes) -> dict:
    current = faults_get()
    current.update({k: v for k, v in changes.items() if k in FIELDS})
    FaultConfig.objects.update_or_create(pk=1, defaults=current)
    invalidate()
    return faults_get()


def faults_clear() -> dict:
    FaultConfig.objects.update_or_create(
        pk=1, defaults={**default_faults(), "rate_429": 0.0, "rate_500": 0.0, "rate_503": 0.0, "delay_ms": 0}
    )
    invalidate()
    return faults_get()


def invalidate() -> None:
    with _lock:
        _cache["at"] = 0.0


def _config() -> tuple[dict, random.Random]:
    with _lock:
        if time.monotonic() - _cache["at"] > CACHE_SECONDS or _cache["config"] is None:
            row = FaultConfig.objects.filter(pk=1).values(*FIELDS, "updated_at").first()
            _cache["config"] = row or {**default_faults(), "updated_at": None}
            _cache["at"] = time.monotonic()
        config = _cache["config"]
        # every change of the config (updated_at) restarts the seeded sequence
        key = (
            config["updated_at"],
            config["seed"],
            config["rate_429"],
            config["rate_500"],
            config["rate_503"],
        )
        if _cache["rng_key"] != key:
            _cache["rng"] = random.Random(config["seed"])  # noqa: S311 - fault dice, not security
            _cache["rng_key"] = key
        return config, _cache["rng"]


def inject_faults(request, sub_path: str) -> None:
    """Raise an ApiError (or sleep) as the fault config says. ``sub_path`` is e.g. '/v1/Sims'."""
    config, rng = _config()
    if config["delay_ms"]:
        time.sleep(config["delay_ms"] / 1000.0)
    if config["fail_prefix"] and sub_path.startswith(config["fail_prefix"]):
        page = request.GET.get("Page", "0") or "0"
        if config["fail_page"] is None or page == str(config["fail_page"]):
            raise ApiError(500, INTERNAL, "Internal Server Error (injected: failing page)")
    if not (config["rate_429"] or config["rate_500"] or config["rate_503"]):
        return
    with _lock:
        roll = rng.random()
    edge = config["rate_429"]
    if roll < edge:
        raise ApiError(
            429, TOO_MANY, "Too Many Requests (injected)", {"Retry-After": str(config["retry_after"])}
        )
    edge += config["rate_500"]
    if roll < edge:
        raise ApiError(500, INTERNAL, "Internal Server Error (injected)")
    edge += config["rate_503"]
    if roll < edge:
        raise ApiError(
            503, UNAVAILABLE, "Service Unavailable (injected)", {"Retry-After": str(config["retry_after"])}
        )


# --- authentication ---------------------------------------------------------------------------------------
def _eq(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def basic_credentials(request) -> tuple[str, str] | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:].strip()).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    return user, password


def _challenge(kore: bool, error: str | None = None) -> dict:
    """The ``WWW-Authenticate`` header of a 401 (RFC 7235): which scheme the API expects."""
    if kore:
        value = 'Bearer realm="KORE Super SIM API"'
        return {"WWW-Authenticate": value + (f', error="{error}"' if error else "")}
    return {"WWW-Authenticate": 'Basic realm="Twilio API"'}


def authenticate(request, *, any_scheme: bool = False) -> None:
    """Accept the request's credentials or raise a 401 (code 20003, with ``WWW-Authenticate``).

    Twilio mode: HTTP Basic (account SID + auth token, or API key + secret); a bearer token from the
    sandbox's token endpoint is accepted too. KORE mode (``SANDBOX_PROVIDER=kore``): a bearer token only,
    unexpired (``SANDBOX_TOKEN_TTL_SECONDS``); Basic is refused. ``any_scheme``: both, whatever the mode
    (the sandbox's own control endpoints).
    """
    from .contract import is_kore

    kore = is_kore() and not any_scheme
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header.lower().startswith("bearer "):
        token = header[7:].strip()
        if token and AccessToken.objects.filter(token=token, expires_at__gt=timezone.now()).exists():
            return
        raise ApiError(
            401,
            AUTH_FAILED,
            "Authentication Error - invalid or expired bearer token",
            _challenge(kore or is_kore(), "invalid_token"),
        )
    creds = basic_credentials(request)
    if creds and kore:
        raise ApiError(
            401,
            AUTH_FAILED,
            "Authentication Error - this API takes an OAuth2 bearer token, not Basic credentials",
            _challenge(True),
        )
    if creds:
        user, password = creds
        pairs = [
            (settings.SANDBOX_ACCOUNT_SID, settings.SANDBOX_AUTH_TOKEN),
            (settings.SANDBOX_API_KEY, settings.SANDBOX_API_SECRET),
        ]
        for good_user, good_password in pairs:
            if _eq(user, good_user) and _eq(password, good_password):
                return
        raise ApiError(401, AUTH_FAILED, "Authentication Error - invalid username", _challenge(False))
    raise ApiError(401, AUTH_FAILED, "Authentication Error - No credentials provided", _challenge(kore))
