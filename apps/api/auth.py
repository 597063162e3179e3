"""Token authentication, role + scope permissions and the per-token throttle of the API."""

from __future__ import annotations

from django.conf import settings
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication, get_authorization_header
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.throttling import SimpleRateThrottle

from apps.accounts.permissions import PERM_OPERATE, PERM_VIEW

from .models import ApiToken
from .tokens import token_authenticate

KEYWORDS = (b"bearer", b"token")


class ApiTokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer ssa_...`` (or ``Token ssa_...``). A header with another scheme is left to the
    other authenticators; a token that is unknown, revoked or expired is refused (401)."""

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in KEYWORDS:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("The Authorization header must be 'Bearer <token>'.")
        try:
            raw = parts[1].decode()
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("The token is not valid.")
        refused_recently = _failures(request)
        if refused_recently >= auth_failure_limit():
            raise exceptions.Throttled(wait=60, detail="Too many invalid tokens from this address.")
        token = token_authenticate(raw)
        if token is None:
            _count_failure(request)
            raise exceptions.AuthenticationFailed("The token is not valid (unknown, revoked or expired).")
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


def auth_failure_limit() -> int:
    """Invalid tokens accepted per client address and minute before every token from it waits (429)."""
    return int(settings.API_AUTH_FAILURES_PER_MINUTE)


def _failure_key(request) -> str:
    from apps.accounts.ip import client_ip  # proxy-aware, the address axes and the audit log use

    return f"api:token-failures:{client_ip(request)}"


def _failures(request) -> int:
    from django.core.cache import cache

    return int(cache.get(_failure_key(request), 0))


def _count_failure(request) -> None:
    from django.core.cache import cache

    key = _failure_key(request)
    if not cache.add(key, 1, timeout=60):
        try:
            cache.incr(key)
        except ValueError:  # expired in between
            cache.add(key, 1, timeout=60)


class ApiSessionAuthentication(SessionAuthentication):
    """The dashboard's session (the browsable docs "try it out"); CSRF enforced on writes, as DRF does."""


class RolePermission(BasePermission):
    """Reads need ``view.read_permission`` (viewer), writes ``view.write_permissions[action]`` or
    ``view.write_permission`` (operator by default; admin for fleets and NAPs, as on the pages). A read-scope
    token is refused every write whatever the role."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            raise exceptions.NotAuthenticated()
        if request.method in SAFE_METHODS:
            needed = getattr(view, "read_permission", PERM_VIEW)
        else:
            token = request.auth if isinstance(request.auth, ApiToken) else None
            if token is not None and not token.can_write:
                self.message = "This token is read-only: create a token with the write scope to change data."
                return False
            action = getattr(view, "action", None)
            needed = getattr(view, "write_permissions", {}).get(
                action, getattr(view, "write_permission", PERM_OPERATE)
            )
        if not user.has_perm(needed):
            self.message = f"Your role may not do this (it needs the '{needed.split('.')[-1]}' permission)."
            return False
        return True


def throttle_rate() -> str:
    return settings.API_THROTTLE_RATE


class TokenRateThrottle(SimpleRateThrottle):
    """At most ``API_THROTTLE_RATE`` requests per token (per user for the session), counted in the cache."""

    scope = "api"

    def get_rate(self):
        return throttle_rate()

    def allow_request(self, request, view):
        self.rate = self.get_rate()  # read per request: settings can change (tests, overrides)
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.key_hash[:24]}"  # not the pk: a deleted token's may come back
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"ip-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
