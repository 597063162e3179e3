from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.fleets.tests.factories import FleetFactory
from apps.networks.tests.factories import NetworkFactory
from apps.sims.tests.factories import SimFactory
from apps.sync import services as sync_services
from apps.usage.models import UsageRecord
from apps.usage.services import usage_rollups_rebuild

SYNCED = ["networks", "naps", "nap_networks", "fleets", "sims", "usage"]


@pytest.fixture
def synced_usage(sandbox_api, settings):
    """The sandbox (30 SIMs, 3 fleets) over real HTTP, synced by the sync engine, usage included (5 days
    daily, 2 days hourly)."""
    settings.SUPERSIM_RETRY_BACKOFF = 0.01
    settings.SUPERSIM_RETRY_BACKOFF_MAX = 0.05
    settings.SUPERSIM_MAX_RETRIES = 2
    settings.SYNC_USAGE_INITIAL_DAYS = 5
    settings.SYNC_USAGE_HOURLY_DAYS = 2
    call_command("sandbox_seed", sims=30, fleets=3, seed=7, inventory=2, stdout=io.StringIO())
    runs = sync_services.sync_all(runs=sync_services.runs_create(resources=SYNCED))
    assert all(run.status == "succeeded" for run in runs), [(r.resource, r.status, r.error) for r in runs]
    return sandbox_api


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Cached aggregates must not leak from one test's data into another's."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


# --- several fleets' usage, written out (breakdown tests) ---------------------------------------------------
MB = 1_000_000
F1, F2 = "HF" + "1" * 32, "HF" + "2" * 32
A1, A2 = "HS" + "1" * 32, "HS" + "2" * 32  # fleet 1
B1, B2 = "HS" + "3" * 32, "HS" + "4" * 32  # fleet 2
N1, N2, N3 = "HW" + "1" * 32, "HW" + "2" * 32, "HW" + "3" * 32  # N1, N2 in the US, N3 in Germany


def today():
    return timezone.now().astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def _record(group: str, key: str, total_mb: int, *, days_ago: int = 1):
    start = today() - dt.timedelta(days=days_ago)
    UsageRecord.objects.create(
        group=group,
        group_key=key,
        granularity="day",
        period_start=start,
        period_end=start + dt.timedelta(days=1),
        data_upload=total_mb * MB // 4,
        data_download=total_mb * MB - total_mb * MB // 4,
        data_total=total_mb * MB,
        billed_unit="USD",
        data_total_billed=Decimal(total_mb) / 10,
    )


@pytest.fixture
def usage_fleets(db):
    """Two fleets of two SIMs each, three networks in two countries; usage of the last days, and an old
    record (40 days ago) outside every default window. A2 and B2 tie (3 MB), as do N1 and N2 (6 MB)."""
    f1, f2 = FleetFactory(sid=F1, unique_name="fleet-one"), FleetFactory(sid=F2, unique_name="fleet-two")
    for sid, fleet, name in ((A1, f1, "a1"), (A2, f1, "a2"), (B1, f2, "b1"), (B2, f2, "b2")):
        SimFactory(sid=sid, fleet=fleet, unique_name=name)
    NetworkFactory(sid=N1, friendly_name="Net One", iso_country="US")
    NetworkFactory(sid=N2, friendly_name="Net Two", iso_country="US")
    NetworkFactory(sid=N3, friendly_name="Net Three", iso_country="DE")
    for key, mb in ((A1, 5), (A2, 3), (B1, 9), (B2, 3)):
        _record("sim", key, mb)
    _record("sim", A1, 100, days_ago=40)
    _record("fleet", F1, 8)
    _record("fleet", F2, 12)
    for key, mb in ((N1, 6), (N2, 6), (N3, 8)):
        _record("network", key, mb)
    _record("isoCountry", "US", 12)
    _record("isoCountry", "DE", 8)
    _record("account", "AC" + "0" * 32, 20)
    usage_rollups_rebuild()
