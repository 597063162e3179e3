from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from apps.core.testing import sandbox_faults as faults


@pytest.fixture
def fast_retries(settings):
    settings.SUPERSIM_RETRY_BACKOFF = 0.01
    settings.SUPERSIM_RETRY_BACKOFF_MAX = 0.05
    settings.SUPERSIM_RETRY_AFTER_MAX = 0.05
    settings.SUPERSIM_MAX_RETRIES = 3


@pytest.fixture
def seeded(sandbox_api, fast_retries):
    """The sandbox over HTTP with 25 SIMs in 3 fleets; returns the sandbox base URL."""
    call_command("sandbox_seed", sims=25, fleets=3, seed=7, inventory=2, stdout=io.StringIO())
    yield sandbox_api
    faults(sandbox_api, clear=True)
