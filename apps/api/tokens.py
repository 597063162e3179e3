"""API tokens: create (the secret returned once), authenticate (by its hash), revoke. Audited."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.utils import timezone

from .models import ApiToken

#: every token starts with this (secret scanners and people can tell what it is)
TOKEN_PREFIX = "ssa_"
#: ``last_used_at`` is written at most this often per token (not one UPDATE per request)
LAST_USED_RESOLUTION = timedelta(seconds=60)


def token_hash(raw: str) -> str:
    """SHA-256 hex of the token: a 256-bit random secret needs no slow hash; the lookup is one index hit."""
    return hashlib.sha256(raw.encode()).hexdigest()


def token_create(
    *, user, name: str, scope: str, expires_at: datetime | None = None, request=None
) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns ``(token, secret)``. The secret is not stored: only shown once."""
    from apps.audit.services import audit_record

    if scope not in ApiToken.Scope.values:
        raise ValueError(f"unknown scope {scope!r}")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name.strip()[:100],
        prefix=raw[:12],
        key_hash=token_hash(raw),
        scope=scope,
        expires_at=expires_at,
    )
    audit_record(
        action="api_token.create",
        user=user,
        obj=token,
        object_type="apitoken",
        after={
            "name": token.name,
            "scope": scope,
            "expires_at": expires_at.isoformat() if expires_at else None,
        },
        request=request,
    )
    return token, raw


def token_revoke(*, token: ApiToken, user, request=None) -> ApiToken:
    """Revoke ``token`` (refused from then on; the row stays for the record). Revoking twice: no-op."""
    from apps.audit.services import audit_record

    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            action="api_token.revoke",
            user=user,
            obj=token,
            object_type="apitoken",
            before={"revoked": False},
            after={"revoked": True},
            request=request,
        )
    return token


def token_authenticate(raw: str) -> ApiToken | None:
    """The live token with this secret (its user active), or None. Marks it used (at most once a minute)."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=token_hash(raw)).first()
    now = timezone.now()
    if token is None or token.revoked_at is not None or not token.user.is_active:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def tokens_of(user):
    return ApiToken.objects.filter(user=user)
