from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from apps.sync import services as sync_services

SYNCED = ["networks", "naps", "nap_networks", "fleets", "sims"]


@pytest.fixture
def synced(sandbox_api, settings):
    """The sandbox over real HTTP (30 SIMs, 3 fleets), brought in by the sync engine; commands complete at
    once (schedule delay 0: every fetch applies the due steps)."""
    settings.SUPERSIM_RETRY_BACKOFF = 0.01
    settings.SUPERSIM_RETRY_BACKOFF_MAX = 0.05
    settings.SUPERSIM_MAX_RETRIES = 2
    settings.SANDBOX_SCHEDULE_DELAY_SECONDS = 0
    call_command("sandbox_seed", sims=30, fleets=3, seed=7, inventory=2, stdout=io.StringIO())
    runs = sync_services.sync_all(runs=sync_services.runs_create(resources=SYNCED))
    assert all(run.status == "succeeded" for run in runs), [(r.resource, r.status, r.error) for r in runs]
    return sandbox_api


@pytest.fixture
def active_sim(synced):
    from apps.sims.models import Sim

    sim = Sim.objects.filter(status="active").order_by("sid").first()
    assert sim is not None
    return sim
