"""Reading the dashboard's users: roles (from their groups) and django-axes' lockouts."""

from __future__ import annotations

from datetime import timedelta

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, QuerySet, Sum
from django.utils import timezone

from .permissions import ADMIN, OPERATOR, VIEWER

NO_ROLE = "no role"


def role_from_groups(group_names, *, is_superuser: bool = False) -> str:
    """The highest of the roles a user's groups give (a superuser is an admin); ``"no role"`` otherwise."""
    if is_superuser:
        return ADMIN
    names = set(group_names)
    for role in (ADMIN, OPERATOR, VIEWER):
        if role in names:
            return role
    return NO_ROLE


def user_role_name(user) -> str:
    """The user's role read from the database now (not from the permission cache)."""
    return role_from_groups(user.groups.values_list("name", flat=True), is_superuser=user.is_superuser)


def _locked_attempts():
    """AccessAttempt rows of lockouts still in force: failures per (username, address) - the pair
    AXES_LOCKOUT_PARAMETERS locks - at or above AXES_FAILURE_LIMIT within the cool-off period."""
    attempts = AccessAttempt.objects.all()
    cool_off = get_cool_off()
    if cool_off is not None:
        attempts = attempts.filter(
            attempt_time__gte=timezone.now() - timedelta(seconds=cool_off.total_seconds())
        )
    return (
        attempts.values("username", "ip_address")
        .annotate(failures=Sum("failures_since_start"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
    )


def user_is_locked_out(user) -> bool:
    """Whether django-axes refuses this username's logins now (from at least one address)."""
    return _locked_attempts().filter(username=user.get_username()).exists()


def user_list_queryset() -> QuerySet:
    """Every user with its groups (for the role), ``locked_out`` (see :func:`user_is_locked_out`) and
    ``mfa`` (a confirmed authenticator)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    locked = _locked_attempts().filter(username=OuterRef("username"))
    mfa = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
    return (
        get_user_model()
        .objects.annotate(locked_out=Exists(locked), mfa=Exists(mfa))
        .prefetch_related("groups")
        .order_by("username", "id")
    )
