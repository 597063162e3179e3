from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from apps.sync import services as sync_services

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
