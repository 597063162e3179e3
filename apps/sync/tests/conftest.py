from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection

from apps.core.testing import sandbox_faults as faults


@pytest.fixture
def sandbox(sandbox_api, settings):
    """The sandbox over HTTP with 30 SIMs in 3 fleets, small pages, fast retries; returns its base URL."""
    settings.SUPERSIM_RETRY_BACKOFF = 0.01
    settings.SUPERSIM_RETRY_BACKOFF_MAX = 0.05
    settings.SUPERSIM_RETRY_AFTER_MAX = 0.02
    settings.SUPERSIM_MAX_RETRIES = 6
    settings.SUPERSIM_PAGE_SIZE = 7
    settings.SYNC_USAGE_INITIAL_DAYS = 3
    settings.SYNC_USAGE_HOURLY_DAYS = 1
    call_command("sandbox_seed", sims=30, fleets=3, seed=5, inventory=2, stdout=io.StringIO())
    yield sandbox_api
    faults(sandbox_api, clear=True)


def remove_upstream_sim(sid: str, new_sid: str = "HS" + "f" * 32) -> str:
    """The SIM leaves the account upstream (moved to another account): its SID no longer lists. Done on the
    sandbox's table directly - the API has no DeleteSim. Returns the SID it is listed under now."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE sandbox_sim SET sid = %s WHERE sid = %s", [new_sid, sid])
        assert cursor.rowcount == 1
    return new_sid
