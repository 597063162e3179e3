"""Managing the dashboard's users (admins only; the views check the role). Every change is audited.

Public services (keyword-only; ``by`` is the admin acting, ``request`` the request, for the audit entry):

* :func:`user_create` - a new user with one role and a random initial password, returned ONCE (never stored
  in clear, never audited).
* :func:`user_role_change` - the user's role becomes exactly one of viewer / operator / admin.
* :func:`user_deactivate` / :func:`user_activate` - an inactive user can neither log in nor use a session
  it still holds.
* :func:`user_unlock` - clears django-axes' failed logins of the username (every address): it may log in
  again at once.
* :func:`user_password_reset` - a new random password, returned once.

Refusals raise :class:`UserActionRefused` (its message says why, for the page) after a failed audit entry:
no change leaves the last active admin without a successor (demoted or deactivated), an admin cannot
deactivate their own account, a superuser's role is not changed here (every permission is theirs), and
only a superuser deactivates a superuser or sets its password.
"""

from __future__ import annotations

import secrets

from axes.utils import reset as axes_reset
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Q

from apps.audit.services import audit_record

from .permissions import ADMIN, OPERATOR, VIEWER
from .selectors import user_is_locked_out, user_role_name

ROLES = (VIEWER, OPERATOR, ADMIN)


class UserActionRefused(Exception):
    """A user change the rules forbid; ``str(exc)`` is the message for the page."""


def _state(user) -> dict:
    return {
        "username": user.username,
        "email": user.email,
        "role": user_role_name(user),
        "is_active": user.is_active,
    }


def _refuse(*, action: str, user, by, request, message: str, requested: dict | None = None):
    """Audit a refused change (what was asked, why it was refused; nothing changed) and raise."""
    audit_record(
        action=action,
        user=by,
        obj=user,
        request=request,
        success=False,
        message=message,
        requested=requested,
    )
    raise UserActionRefused(message)


def _is_last_admin(user) -> bool:
    """Whether ``user`` is the only active admin (the admin group or superuser). Takes a row lock on the
    admin group first, so that changes of admins run one after the other and each counts the admins the
    previous one left (in a transaction)."""
    list(Group.objects.select_for_update().filter(name=ADMIN))
    admins = (
        get_user_model()
        .objects.filter(Q(is_superuser=True) | Q(groups__name=ADMIN), is_active=True)
        .values_list("pk", flat=True)
        .distinct()
    )
    return set(admins) == {user.pk}


def new_password() -> str:
    """A random password that passes AUTH_PASSWORD_VALIDATORS (16 URL-safe characters)."""
    return secrets.token_urlsafe(12)


def user_create(*, username: str, email: str = "", role: str, by, request=None):
    """Create an active user with ``role``; returns ``(user, initial_password)``. The password is shown to
    the admin once and never stored in clear nor written to the audit log."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    password = new_password()
    with transaction.atomic():
        user = get_user_model().objects.create_user(username=username, email=email, password=password)
        user.groups.set([Group.objects.get(name=role)])
        audit_record(action="user.create", user=by, obj=user, request=request, after=_state(user))
    return user, password


def _superuser_only(user, by) -> str:
    """The refusal when an admin who is not a superuser acts on a superuser's account ("" otherwise)."""
    if user.is_superuser and not getattr(by, "is_superuser", False):
        return f"{user.username} is a superuser: only a superuser can change that account."
    return ""


def _last_admin_message(user) -> str:
    return f"{user.username} is the last active admin: make another user an admin first."


def user_role_change(*, user, role: str, by, request=None):
    """The user's role becomes ``role`` (exactly one group). Refused for a superuser and for the last
    active admin (demoting them would leave nobody to manage users). Returns the user."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    refusal = ""
    with transaction.atomic():
        before = _state(user)
        if user.is_superuser:
            refusal = (
                f"{user.username} is a superuser and has every permission whatever its role; "
                "change that with Django's createsuperuser/admin tools."
            )
        elif before["role"] == role:
            return user
        elif before["role"] == ADMIN and user.is_active and _is_last_admin(user):
            refusal = _last_admin_message(user)
        else:
            user.groups.set([Group.objects.get(name=role)])
            for cache in ("_perm_cache", "_group_perm_cache", "_user_perm_cache"):
                user.__dict__.pop(cache, None)
            audit_record(
                action="user.role_change",
                user=by,
                obj=user,
                request=request,
                before=before,
                after=_state(user),
                message=f"role {before['role']} -> {role}",
            )
    if refusal:
        _refuse(
            action="user.role_change",
            user=user,
            by=by,
            request=request,
            message=refusal,
            requested={"role": role},
        )
    return user


def user_deactivate(*, user, by, request=None):
    """Deactivate ``user``: no login, and any session it holds stops working. Refused for oneself and for
    the last active admin. Returns the user."""
    refusal = ""
    with transaction.atomic():
        before = _state(user)
        if user.pk == getattr(by, "pk", None):
            refusal = "You cannot deactivate your own account: ask another admin."
        elif refusal := _superuser_only(user, by):
            pass
        elif not user.is_active:
            return user
        elif _is_last_admin(user):
            refusal = _last_admin_message(user)
        else:
            user.is_active = False
            user.save(update_fields=["is_active"])
            audit_record(
                action="user.deactivate",
                user=by,
                obj=user,
                request=request,
                before=before,
                after=_state(user),
            )
    if refusal:
        _refuse(
            action="user.deactivate",
            user=user,
            by=by,
            request=request,
            message=refusal,
            requested={"is_active": False},
        )
    return user


def user_activate(*, user, by, request=None):
    """Let a deactivated user log in again. Returns the user."""
    with transaction.atomic():
        before = _state(user)
        if user.is_active:
            return user
        user.is_active = True
        user.save(update_fields=["is_active"])
        audit_record(
            action="user.activate", user=by, obj=user, request=request, before=before, after=_state(user)
        )
    return user


def user_unlock(*, user, by, request=None) -> int:
    """Clear the failed logins django-axes holds for the username (every address), so it may log in again
    now; returns how many attempt records were removed (0: it was not locked)."""
    was_locked = user_is_locked_out(user)
    removed = axes_reset(username=user.get_username())
    audit_record(
        action="user.unlock",
        user=by,
        obj=user,
        request=request,
        before={"locked_out": was_locked},
        after={"locked_out": False},
        message=f"{removed} failed-login record(s) cleared",
    )
    return removed


def user_password_reset(*, user, by, request=None) -> str:
    """Give ``user`` a new random password (returned once, for the admin to hand over); its other sessions
    end (Django's session auth hash changes with the password). Refused for a superuser unless ``by`` is
    one (an admin must not gain a superuser's login)."""
    refusal = _superuser_only(user, by)
    if refusal:
        _refuse(action="user.password_reset", user=user, by=by, request=request, message=refusal)
    password = new_password()
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        audit_record(action="user.password_reset", user=by, obj=user, request=request)
    return password


def user_password_changed(*, user, request=None) -> None:
    """Audit a user's change of their own password (Django's PasswordChangeForm has saved it)."""
    audit_record(action="user.password_change", user=user, obj=user, request=request)
