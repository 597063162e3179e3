"""Reads for the eSIM pages (local rows only)."""

from __future__ import annotations

from django.db.models import QuerySet

from .choices import EsimProfileStatus
from .models import EsimProfile

#: statuses after which the profile no longer changes by itself (polling stops)
SETTLED = (
    EsimProfileStatus.AVAILABLE,
    EsimProfileStatus.DOWNLOADED,
    EsimProfileStatus.INSTALLED,
    EsimProfileStatus.FAILED,
)
#: statuses in which the profile has an activation code to show
WITH_CODE = (EsimProfileStatus.AVAILABLE, EsimProfileStatus.DOWNLOADED, EsimProfileStatus.INSTALLED)
PRINT_MAX = 200


def esim_profile_list() -> QuerySet[EsimProfile]:
    return EsimProfile.objects.select_related("sim").order_by("-date_created", "-id")


def esim_profile_is_settled(profile: EsimProfile) -> bool:
    return profile.status in SETTLED


def esim_profiles_for_print(*, sids: list[str]) -> list[EsimProfile]:
    """The selected profiles (at most ``PRINT_MAX``), in the order they were selected."""
    wanted = list(dict.fromkeys(s for s in sids if s))[:PRINT_MAX]
    found = {p.sid: p for p in EsimProfile.objects.filter(sid__in=wanted).select_related("sim")}
    return [found[s] for s in wanted if s in found]
