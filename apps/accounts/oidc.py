"""Single sign-on with any OpenID Connect provider, on mozilla-django-oidc (authorization code + PKCE).

Contract:

* On when ``OIDC_ISSUER`` and ``OIDC_CLIENT_ID`` are set (:func:`sso_enabled`); the endpoints come from the
  issuer's discovery document (fetched on first use, cached an hour), nothing is fetched at start-up.
* The ID token is checked by mozilla-django-oidc (signature from the JWKS, nonce) and here (``iss`` is
  the issuer, ``aud`` holds the client id); the claims are the ID token's merged with the userinfo answer.
* A user is found by issuer + ``sub`` (:class:`~apps.accounts.models.SsoIdentity`), never by username or
  e-mail; unknown -> created at first login (username from ``preferred_username``/e-mail/``sub``, made
  unique; no usable password), audited ``user.create``.
* The role is evaluated at EVERY login from ``OIDC_ROLE_CLAIM`` (a list or a string) through
  ``OIDC_ROLE_MAP`` (group -> viewer/operator/admin, the highest wins), else ``OIDC_DEFAULT_ROLE``; with
  neither the login is refused (audited ``auth.sso_refused``). A change is audited ``user.role_change``.
  A superuser's role is never touched (break-glass).
* SSO logins skip the dashboard's own second factor: the provider's MFA applies.
* Logout: the local session ends, then the browser goes to the provider's ``end_session_endpoint`` (with
  the ID token as hint) when it has one, and back to the login page.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode, urlsplit

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.exceptions import SuspiciousOperation
from django.db import IntegrityError, transaction
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from apps.audit.services import audit_record

from .forms import LoginForm
from .models import SsoIdentity
from .permissions import ADMIN, OPERATOR, VIEWER
from .selectors import user_role_name

log = logging.getLogger(__name__)
_RANK = {VIEWER: 1, OPERATOR: 2, ADMIN: 3}
_DISCOVERY_SECONDS = 3600


class SsoUnavailable(Exception):
    """SSO is not configured, or the provider's discovery document cannot be read."""


def sso_enabled() -> bool:
    return bool(settings.OIDC_ISSUER and settings.OIDC_RP_CLIENT_ID)


def discovery() -> dict:
    """The provider's discovery document (cached); raises :class:`SsoUnavailable`."""
    if not sso_enabled():
        raise SsoUnavailable("single sign-on is not configured")
    key = f"oidc-discovery:{settings.OIDC_ISSUER}"
    document = cache.get(key)
    if document is None:
        url = f"{settings.OIDC_ISSUER}/.well-known/openid-configuration"
        try:
            response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
            response.raise_for_status()
            document = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise SsoUnavailable(f"the identity provider's discovery document is unreachable: {exc}")
        if document.get("issuer", "").rstrip("/") != settings.OIDC_ISSUER:
            raise SsoUnavailable("the discovery document names another issuer")
        cache.set(key, document, _DISCOVERY_SECONDS)
    return document


_ENDPOINTS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}


def _setting(attr, *default):
    if attr in _ENDPOINTS:
        return discovery()[_ENDPOINTS[attr]]
    return getattr(settings, attr, *default)


def role_from_claims(claims: dict) -> str:
    """The role the claims give (see the module docstring); ``""`` when none."""
    value = claims.get(settings.OIDC_ROLE_CLAIM)
    groups = [value] if isinstance(value, str) else list(value or [])
    roles = [settings.OIDC_ROLE_MAP.get(str(g)) for g in groups]
    roles = [r for r in roles if r in _RANK]
    if roles:
        return max(roles, key=_RANK.__getitem__)
    return settings.OIDC_DEFAULT_ROLE if settings.OIDC_DEFAULT_ROLE in _RANK else ""


def _unique_username(claims: dict) -> str:
    model = get_user_model()
    base = str(claims.get("preferred_username") or claims.get("email") or claims["sub"])[:120]
    name, n = base, 1
    while model.objects.filter(username=name).exists():
        n += 1
        name = f"{base}-{n}"
    return name


def _apply_role(user, role: str, request) -> None:
    if user.is_superuser:
        return
    before = user_role_name(user)
    if before == role:
        return
    user.groups.set([Group.objects.get(name=role)])
    for attr in ("_perm_cache", "_group_perm_cache", "_user_perm_cache"):
        user.__dict__.pop(attr, None)
    audit_record(
        action="user.role_change",
        user=user,
        obj=user,
        request=request,
        before={"role": before},
        after={"role": role},
        message=f"role {before} -> {role} from the identity provider's {settings.OIDC_ROLE_CLAIM!r} claim",
    )


class SsoBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend, with discovery, issuer/audience checks, ``sub`` linking and roles."""

    get_settings = staticmethod(_setting)

    def __init__(self, *args, **kwargs):  # nothing read nor fetched until an SSO callback comes
        self.UserModel = get_user_model()

    OIDC_OP_TOKEN_ENDPOINT = property(lambda self: _setting("OIDC_OP_TOKEN_ENDPOINT"))
    OIDC_OP_USER_ENDPOINT = property(lambda self: _setting("OIDC_OP_USER_ENDPOINT"))
    OIDC_OP_JWKS_ENDPOINT = property(lambda self: _setting("OIDC_OP_JWKS_ENDPOINT"))
    OIDC_RP_CLIENT_ID = property(lambda self: settings.OIDC_RP_CLIENT_ID)
    OIDC_RP_CLIENT_SECRET = property(lambda self: settings.OIDC_RP_CLIENT_SECRET)
    OIDC_RP_SIGN_ALGO = property(lambda self: settings.OIDC_RP_SIGN_ALGO)
    OIDC_RP_IDP_SIGN_KEY = None

    def authenticate(self, request, **kwargs):
        if request is None or "nonce" not in kwargs or not sso_enabled():
            return None  # a password login, or SSO off
        try:
            return super().authenticate(request, **kwargs)
        except (requests.RequestException, SsoUnavailable, SuspiciousOperation) as exc:
            audit_record(
                action="auth.sso_failed",
                request=request,
                success=False,
                message=f"single sign-on failed: {exc}",
            )
            return None

    def verify_token(self, token, **kwargs):
        payload = super().verify_token(token, **kwargs)
        if "nonce" in kwargs:  # the ID token
            audience = payload.get("aud")
            audiences = [audience] if isinstance(audience, str) else list(audience or [])
            if str(payload.get("iss", "")).rstrip("/") != settings.OIDC_ISSUER:
                raise SuspiciousOperation("the ID token comes from another issuer")
            if settings.OIDC_RP_CLIENT_ID not in audiences:
                raise SuspiciousOperation("the ID token is for another client")
        return payload

    def get_userinfo(self, access_token, id_token, payload):
        return {**payload, **super().get_userinfo(access_token, id_token, payload)}

    def verify_claims(self, claims):
        if not claims.get("sub"):
            return False
        if not role_from_claims(claims):
            value = claims.get(settings.OIDC_ROLE_CLAIM)
            audit_record(
                action="auth.sso_refused",
                request=self.request,
                success=False,
                object_type="user",
                object_repr=str(claims.get("preferred_username") or claims["sub"])[:150],
                message=f"no dashboard role for {settings.OIDC_ROLE_CLAIM}={value!r}",
            )
            return False
        return True

    def filter_users_by_claims(self, claims):
        return self.UserModel.objects.filter(
            sso_identity__issuer=settings.OIDC_ISSUER, sso_identity__subject=str(claims["sub"])
        )

    def create_user(self, claims):
        try:
            with transaction.atomic():
                user = self.UserModel.objects.create_user(
                    _unique_username(claims), email=str(claims.get("email") or "")[:254]
                )
                user.set_unusable_password()
                user.save(update_fields=["password"])
                SsoIdentity.objects.create(user=user, issuer=settings.OIDC_ISSUER, subject=str(claims["sub"]))
                audit_record(
                    action="user.create",
                    user=user,
                    obj=user,
                    request=self.request,
                    after={"username": user.username, "email": user.email},
                    message="created at the first single sign-on",
                )
        except IntegrityError:  # the same subject's first login twice at once
            return self.filter_users_by_claims(claims).get()
        return self.update_user(user, claims)

    def update_user(self, user, claims):
        with transaction.atomic():
            email = str(claims.get("email") or "")[:254]
            if email and email != user.email:
                user.email = email
                user.save(update_fields=["email"])
            _apply_role(user, role_from_claims(claims), self.request)
            SsoIdentity.objects.filter(user=user).update(last_login_at=timezone.now())
        return user


class SsoLoginView(OIDCAuthenticationRequestView):
    """GET: to the provider's login (the login page saying so when SSO is off; 503 when the provider
    cannot be reached)."""

    get_settings = staticmethod(_setting)

    def __init__(self, *args, **kwargs):
        super(OIDCAuthenticationRequestView, self).__init__(*args, **kwargs)

    def get(self, request):
        if not sso_enabled():
            return _not_configured(request)
        try:
            self.OIDC_OP_AUTH_ENDPOINT = _setting("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except SsoUnavailable as exc:
            audit_record(action="auth.sso_failed", request=request, success=False, message=str(exc))
            return render(
                request,
                "accounts/login.html",
                _login_context(sso_error="The identity provider cannot be reached now: try again later.")
                | {"form": LoginForm(request)},
                status=503,
            )
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        return super().get(request)


class SsoCallbackView(OIDCAuthenticationCallbackView):
    """GET: the provider's answer; a bad or replayed ``state`` answers 400 (SuspiciousOperation)."""

    get_settings = staticmethod(_setting)

    def get(self, request):
        if not sso_enabled():
            return _not_configured(request)
        return super().get(request)


def _not_configured(request):
    """SSO off: the login page says so (the password form stays)."""
    return render(
        request,
        "accounts/login.html",
        _login_context(sso_error="Single sign-on is not configured here: log in with your password.")
        | {"form": LoginForm(request)},
    )


def _login_context(**extra) -> dict:
    return {
        "sso_enabled": sso_enabled(),
        "sso_name": settings.OIDC_PROVIDER_NAME,
        "password_login": settings.PASSWORD_LOGIN,
        **extra,
    }


def login_context(request) -> dict:
    """What the login page shows about SSO (the button, a failed SSO's message)."""
    failed = request.GET.get("sso") == "failed"
    return _login_context(
        sso_error="Single sign-on did not log you in (no dashboard role, or the provider refused)."
        if failed
        else ""
    )


def end_session_url(request, id_token: str) -> str:
    """The provider's logout URL (RP-initiated logout) back to our login page; ``""`` if it has none."""
    try:
        endpoint = discovery().get("end_session_endpoint", "")
    except SsoUnavailable:
        return ""
    if not endpoint:
        return ""
    back = request.build_absolute_uri(reverse("accounts:login"))
    query = urlencode(
        {"id_token_hint": id_token, "post_logout_redirect_uri": back, "client_id": settings.OIDC_RP_CLIENT_ID}
    )
    return f"{endpoint}?{query}"


def provider_origin() -> str:
    parts = urlsplit(settings.OIDC_ISSUER)
    return f"{parts.scheme}://{parts.netloc}"
