from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from apps.sync import services as sync_services

SYNCED = ["networks", "naps", "nap_networks", "fleets", "sims"]


@pytest.fixture
def synced(sandbox_api, settings):
    """The sandbox over real HTTP (30 SIMs, 3 fleets), brought into the local tables by the sync engine."""
    settings.SUPERSIM_RETRY_BACKOFF = 0.01
    settings.SUPERSIM_RETRY_BACKOFF_MAX = 0.05
    settings.SUPERSIM_MAX_RETRIES = 2
    call_command("sandbox_seed", sims=30, fleets=3, seed=7, inventory=2, stdout=io.StringIO())
    runs = sync_services.sync_all(runs=sync_services.runs_create(resources=SYNCED))
    assert all(run.status == "succeeded" for run in runs), [(r.resource, r.status, r.error) for r in runs]
    return sandbox_api


@pytest.fixture
def admin_role_client(client, db):
    """A member of the ``admin`` group (not a superuser: permission checks run as in production)."""
    from apps.core.testing import make_user

    client.force_login(make_user("group-admin", "admin"))
    return client
