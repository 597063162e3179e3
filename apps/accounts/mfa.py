"""Two-factor login: TOTP (authenticator apps, django-otp's TOTPDevice) + single-use recovery codes.

Contract (keyword-only; ``request`` is for the audit entry and for django-axes):

* :func:`mfa_policy` - whom a second factor is asked of (``none`` / ``admins`` / ``all``): the stricter of the
  deployment's ``settings.MFA_REQUIRED`` (a floor) and the policy an admin set (:func:`mfa_policy_set`,
  audited ``mfa.policy``); :func:`mfa_required_for` - whether it asks this user for a second factor even when
  they have none yet (then enrolment is forced at login).
* :func:`mfa_enrolled` - the user has a confirmed authenticator: every password login asks for a code.
* :func:`totp_begin` - a new, unconfirmed authenticator (replacing an earlier unconfirmed one); its secret
  is shown as a QR code and as text (:func:`totp_provisioning`) until :func:`totp_confirm`.
* :func:`totp_confirm` - a right code confirms it: any older authenticator and recovery codes are dropped,
  10 new recovery codes are returned (shown once, only their hash is kept); audited ``mfa.enrol``.
  A wrong code raises :class:`MfaCodeRefused` (audited ``auth.mfa_failed``; counted by django-axes when
  ``count_failure``, i.e. during a login).
* :func:`mfa_verify` - a TOTP code (this step or the one before/after; a code is accepted once) or an
  unused recovery code (then spent, audited ``mfa.recovery_code_used``). A wrong code is audited
  ``auth.mfa_failed`` and counts as a failed login for django-axes (the username + address pair): after
  ``AXES_FAILURE_LIMIT`` failures, password and code alike are refused until the cool-off or an unlock.
* :func:`mfa_remove` - the user removes their own second factor (refused with :class:`MfaRefused` while
  ``MFA_REQUIRED`` asks it of them); :func:`mfa_reset` - an admin does (audited ``mfa.reset``; only a
  superuser resets a superuser's).
* :func:`recovery_codes_renew` - 10 new codes, the old ones void; audited ``mfa.recovery_codes``.
"""

from __future__ import annotations

import hashlib
import secrets
from base64 import b32encode

import segno
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.audit.services import audit_record

from .models import RecoveryCode, SecurityPolicy
from .permissions import ADMIN
from .selectors import user_role_name

RECOVERY_CODE_COUNT = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i


class MfaRefused(Exception):
    """A second-factor change the rules forbid; ``str(exc)`` is the message for the page."""


class MfaCodeRefused(Exception):
    """The code given is not right (or was already used)."""


#: the policies, weakest first
MFA_POLICIES = ("none", "admins", "all")


def mfa_policy() -> str:
    """``none``, ``admins`` or ``all``: the stricter of the deployment's floor and the admin's choice."""
    stored = SecurityPolicy.objects.filter(pk=1).values_list("mfa_required", flat=True).first() or "none"
    return max(settings.MFA_REQUIRED, stored, key=MFA_POLICIES.index)


def mfa_policy_set(*, policy: str, by, request=None) -> str:
    """An admin asks two-factor login of ``policy``'s users (``none`` / ``admins`` / ``all``); below the
    deployment's ``MFA_REQUIRED`` it has no effect (the floor stays). Audited ``mfa.policy``; returns the
    policy now in force. Who is concerned and has no second factor enrols at their next login."""
    if policy not in MFA_POLICIES:
        raise ValueError(f"unknown two-factor policy {policy!r}")
    with transaction.atomic():
        row, _ = SecurityPolicy.objects.select_for_update().get_or_create(pk=1)
        before = {"mfa_required": row.mfa_required}
        row.mfa_required = policy
        row.save(update_fields=["mfa_required", "updated_at"])
        audit_record(
            action="mfa.policy",
            user=by,
            obj=row,
            request=request,
            before=before,
            after={"mfa_required": policy},
            message=f"two-factor login required of: {row.get_mfa_required_display()}",
        )
    return mfa_policy()


def mfa_required_for(user) -> bool:
    policy = mfa_policy()
    if policy == "all":
        return True
    if policy == "admins":
        return user_role_name(user) == ADMIN
    return False


def _confirmed(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True)


def mfa_enrolled(user) -> bool:
    return _confirmed(user).exists()


def recovery_codes_left(user) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def _hash(code: str) -> str:
    return hashlib.sha256(_normalise(code).encode()).hexdigest()


def _normalise(code: str) -> str:
    return "".join(ch for ch in str(code).lower() if ch.isalnum())


def _new_recovery_codes(user) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    RecoveryCode.objects.bulk_create([RecoveryCode(user=user, code_hash=_hash(c)) for c in codes])
    return codes


def totp_begin(*, user) -> TOTPDevice:
    """A new unconfirmed authenticator for ``user`` (an earlier unconfirmed one is dropped)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


def pending_device(user, device_id) -> TOTPDevice | None:
    """The unconfirmed authenticator ``device_id`` of ``user``, if it still exists."""
    if not device_id:
        return None
    return TOTPDevice.objects.filter(user=user, pk=device_id, confirmed=False).first()


def totp_provisioning(device: TOTPDevice) -> dict:
    """What the enrolment page shows: the ``otpauth://`` URI, the secret in base32 (grouped by 4 for
    typing) and the URI as a QR code (an SVG data URI: the CSP allows ``img-src data:``)."""
    secret = b32encode(device.bin_key).decode()
    return {
        "uri": device.config_url,
        "secret": secret,
        "secret_grouped": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "qr": segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2),
    }


def _failed(*, user, request, message: str, count_failure: bool) -> None:
    audit_record(
        action="auth.mfa_failed", user=user, obj=user, request=request, success=False, message=message
    )
    if count_failure and request is not None:
        AxesProxyHandler.user_login_failed(
            sender=__name__, credentials={"username": user.get_username()}, request=request
        )


def second_factor_locked(*, user, request) -> bool:
    """Whether django-axes refuses this username from this address now (then no code is even checked)."""
    return AxesProxyHandler.is_locked(request, {"username": user.get_username()})


def totp_confirm(*, user, device: TOTPDevice, code: str, request=None, count_failure: bool = False):
    """Confirm ``device`` with a right ``code``; returns the new recovery codes (shown once)."""
    if not device.verify_token(_normalise(code)):
        _failed(
            user=user,
            request=request,
            message="wrong code while setting up an authenticator",
            count_failure=count_failure,
        )
        raise MfaCodeRefused("That code is not right: type the 6 digits your app shows now.")
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(user)
        audit_record(
            action="mfa.enrol",
            user=user,
            obj=user,
            request=request,
            after={"mfa": True, "recovery_codes": len(codes)},
            message="authenticator app set up",
        )
    return codes


def _use_recovery_code(user, code: str) -> bool:
    """Spend one unused recovery code matching ``code`` (atomically: a code is used once)."""
    return bool(
        RecoveryCode.objects.filter(user=user, code_hash=_hash(code), used_at__isnull=True).update(
            used_at=timezone.now()
        )
    )


def mfa_verify(*, user, code: str, request=None) -> bool:
    """Check a login's second factor; True when right. See the module docstring for what a wrong one does."""
    normalised = _normalise(code)
    if normalised.isdigit() and len(normalised) == 6:
        if any(device.verify_token(normalised) for device in _confirmed(user)):
            return True
    elif len(normalised) == 10 and _use_recovery_code(user, normalised):
        audit_record(
            action="mfa.recovery_code_used",
            user=user,
            obj=user,
            request=request,
            message=f"{recovery_codes_left(user)} recovery code(s) left",
        )
        return True
    _failed(user=user, request=request, message="wrong second-factor code at login", count_failure=True)
    return False


def _drop(user) -> bool:
    had = mfa_enrolled(user)
    TOTPDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
    return had


def mfa_remove(*, user, request=None) -> None:
    """The user turns their own two-factor login off (refused while it is required of them)."""
    if mfa_required_for(user):
        message = "Two-factor login is required for your account: set up a new authenticator instead."
        audit_record(
            action="mfa.remove", user=user, obj=user, request=request, success=False, message=message
        )
        raise MfaRefused(message)
    with transaction.atomic():
        if _drop(user):
            audit_record(
                action="mfa.remove",
                user=user,
                obj=user,
                request=request,
                before={"mfa": True},
                after={"mfa": False},
            )


def mfa_reset(*, user, by, request=None) -> bool:
    """An admin removes ``user``'s authenticator and recovery codes (lost phone); the next login asks
    for a new enrolment if MFA is required. Returns whether there was anything to remove."""
    if user.is_superuser and not getattr(by, "is_superuser", False):
        message = f"{user.username} is a superuser: only a superuser can reset its two-factor login."
        audit_record(action="mfa.reset", user=by, obj=user, request=request, success=False, message=message)
        raise MfaRefused(message)
    with transaction.atomic():
        had = _drop(user)
        audit_record(
            action="mfa.reset",
            user=by,
            obj=user,
            request=request,
            before={"mfa": had},
            after={"mfa": False},
            message="two-factor login reset by an admin",
        )
    return had


def recovery_codes_renew(*, user, request=None) -> list[str]:
    """10 new recovery codes for an enrolled user (the old ones stop working); returned once."""
    if not mfa_enrolled(user):
        raise MfaRefused("Set up an authenticator app first.")
    with transaction.atomic():
        codes = _new_recovery_codes(user)
        audit_record(
            action="mfa.recovery_codes",
            user=user,
            obj=user,
            request=request,
            message=f"{len(codes)} new recovery codes",
        )
    return codes
