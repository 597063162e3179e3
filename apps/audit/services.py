"""Writing audit entries. Called explicitly from services (not from model signals)."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.db import models

from .context import request_id_var
from .models import AuditEvent

_SECRET_KEYS = re.compile(
    r"(password|secret|token|auth|signature|registration[_-]?code|api[_-]?key|cookie)", re.I
)
#: settings whose values never reach the audit log, whatever key or message they hide in
SECRET_SETTINGS = (
    "SECRET_KEY",
    "TWILIO_AUTH_TOKEN",
    "TWILIO_API_SECRET",
    "KORE_CLIENT_SECRET",
    "KORE_WEBHOOK_SECRET",
    "SANDBOX_AUTH_TOKEN",
    "SANDBOX_API_SECRET",
    "SANDBOX_KORE_CLIENT_SECRET",
    "OIDC_RP_CLIENT_SECRET",
    "EMAIL_HOST_PASSWORD",
)
REDACTED = "[redacted]"


def _secret_values() -> list[str]:
    values = {str(getattr(settings, name, "") or "") for name in SECRET_SETTINGS}
    return sorted((v for v in values if len(v) >= 6), key=len, reverse=True)


def _scrub_text(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


def scrub(value: Any, _secrets: list[str] | None = None) -> Any:
    """Drop secrets from what goes into the audit log: values under keys that look like credentials, and
    the configured secrets (auth token, API secrets) wherever they appear in a string."""
    secrets = _secret_values() if _secrets is None else _secrets
    if isinstance(value, dict):
        return {k: (REDACTED if _SECRET_KEYS.search(str(k)) else scrub(v, secrets)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v, secrets) for v in value]
    if isinstance(value, str):
        return _scrub_text(value, secrets)
    return value


def _client_ip(request) -> str | None:
    from apps.accounts.ip import client_ip  # proxy-aware (PROXY_COUNT), the same address axes locks on

    return client_ip(request)


def audit_record(
    *,
    action: str,
    user=None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    before: dict | None = None,
    after: dict | None = None,
    api_response: Any = None,
    source: str = AuditEvent.Source.UI,
    request=None,
    success: bool = True,
    message: str = "",
    requested: dict | None = None,
) -> AuditEvent:
    """Write one audit entry. A failed action (``success=False``) records the attempt (``requested``) and the
    error, and no ``before``/``after``: passing them raises ``ValueError`` (they would show a change that
    did not happen). ``source`` left at ``ui`` becomes the request's ``audit_source`` when it has one (the
    REST API marks its requests ``api``: the pages' services need not know who called them)."""
    if not success and (before is not None or after is not None):
        raise ValueError(
            "a failed action changed nothing: pass what was asked as requested=, not before/after"
        )
    if obj is not None:
        object_type = object_type or obj._meta.model_name
        object_id = object_id or str(getattr(obj, "sid", None) or obj.pk)
        object_repr = object_repr or str(obj)
    object_url = ""
    if obj is not None and hasattr(obj, "get_absolute_url"):
        try:
            object_url = obj.get_absolute_url()
        except Exception:  # noqa: BLE001 - a broken URL must not lose the audit entry
            object_url = ""
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    if source == AuditEvent.Source.UI and request is not None:
        # a request of the REST API marks itself (apps.api): the same services, recorded as source=api
        source = getattr(request, "audit_source", None) or source
    return AuditEvent.objects.create(
        user=user,
        username=user.get_username() if user is not None else "",
        action=action,
        source=source,
        success=success,
        object_type=object_type[:64],
        object_id=str(object_id)[:64],
        object_repr=str(object_repr)[:200],
        object_url=object_url[:300],
        before=scrub(before),
        after=scrub(after),
        api_response=scrub(api_response),
        requested=scrub(requested),
        message=_scrub_text(str(message), _secret_values()),
        request_id=getattr(request, "request_id", "") if request is not None else request_id_var.get(),
        ip_address=_client_ip(request) if request is not None else None,
        path=request.path[:300] if request is not None else "",
    )


def audit_api_failure(*, action: str, exc, user, message: str = "", **fields: Any) -> AuditEvent:
    """The audit entry for a change the API refused (``exc``: a ``SuperSimError``): what was asked
    (``requested=``) and the API's answer are kept, the entry is marked failed (no before/after), and the
    message is the API's own unless a clearer one is given."""
    return audit_record(
        action=action,
        user=user,
        api_response=exc.as_dict(),
        success=False,
        message=message or str(exc),
        **fields,
    )
