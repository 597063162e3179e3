"""The shared display filters (``core_display``): relative times and sync resource labels, on every page
that shows them (home, sync list, sync run)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.core.templatetags.core_display import ago, resource_label
from apps.sync.models import SyncRun
from apps.sync.registry import RESOURCES, SIM_DETAILS


def test_ago_says_just_now_under_a_minute():
    now = timezone.now()
    assert ago(now, now) == "just now"
    assert ago(now - timedelta(seconds=59), now) == "just now"
    assert ago(now + timedelta(seconds=2), now) == "just now"  # a clock a little ahead
    assert ago(now - timedelta(seconds=60), now) == "1\xa0minute ago"
    assert ago(now - timedelta(hours=2, minutes=5), now) == "2\xa0hours, 5\xa0minutes ago"
    assert ago(None) == ""


def test_every_resource_key_has_a_label():
    assert resource_label("nap_networks") == "NAP networks"
    assert resource_label(SIM_DETAILS) == "SIM details"
    assert all(resource_label(name) != name for name in RESOURCES)
    assert resource_label("something_new") == "something_new"


@pytest.mark.django_db
def test_pages_show_resource_labels_and_just_now(viewer_client):
    now = timezone.now()
    run = SyncRun.objects.create(resource="nap_networks", status="succeeded", finished_at=now)
    SyncRun.objects.create(
        resource="esim_profiles", status="succeeded", finished_at=now - timedelta(minutes=5)
    )
    home = viewer_client.get(reverse("core:home")).content.decode()
    assert ">NAP networks</a>" in home and ">eSIM profiles</a>" in home
    assert "nap_networks" not in home and "esim_profiles" not in home
    assert "just now" in home and "5\xa0minutes ago" in home and "0\xa0minutes" not in home
    listing = viewer_client.get(reverse("sync:syncrun_list")).content.decode()
    assert "NAP networks" in listing
    detail = viewer_client.get(run.get_absolute_url()).content.decode()
    assert f"Sync run #{run.pk}: NAP networks" in detail and "nap_networks" not in detail
