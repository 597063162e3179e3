from __future__ import annotations

import io

import pytest
import requests
from django.core.management import call_command


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


def faults(base: str, **body) -> dict:
    """Set the sandbox's injected faults over its HTTP control endpoint."""
    from django.conf import settings

    response = requests.post(
        f"{base}/_control/faults",
        json=body,
        auth=(settings.SANDBOX_ACCOUNT_SID, settings.SANDBOX_AUTH_TOKEN),
        timeout=10,
    )
    response.raise_for_status()
    return response.json()
