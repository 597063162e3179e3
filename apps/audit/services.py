"""Writing audit entries. Called explicitly from services (not from model signals)."""

from __future__ import annotations

import re
from typing import Any

from django.db import models

from .context import request_id_var
from .models import AuditEvent

_SECRET_KEYS = re.compile(r"(password|secret|token|auth|signature|registration_code|api_key)", re.I)


def scrub(value: Any) -> Any:
    """Drop secrets from what goes into the audit log (keys that look like credentials)."""
    if isinstance(value, dict):
        return {k: ("[redacted]" if _SECRET_KEYS.search(str(k)) else scrub(v)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    return value


def _client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


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
) -> AuditEvent:
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
        message=message,
        request_id=getattr(request, "request_id", "") if request is not None else request_id_var.get(),
        ip_address=_client_ip(request) if request is not None else None,
        path=request.path[:300] if request is not None else "",
    )
