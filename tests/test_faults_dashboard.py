"""The dashboard keeps serving pages while a sync runs into faults (429/500 for 20% of requests, one page
failing for good), and shows the failed run for what it is. (The engine's own fault handling - nothing
swept, next run converges - is proven in apps/sync/tests/test_services.py.)"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from apps.core.testing import sandbox_faults as faults
from apps.sims.models import Sim
from apps.sync import services
from apps.sync.models import SyncRun

PAGES = ["/", "/sims/", "/fleets/", "/sync/", "/usage/", "/audit/"]


@pytest.mark.django_db(transaction=True)
def test_pages_answer_during_and_after_a_failing_sync(sandbox_api, settings, viewer_client):
    settings.SUPERSIM_RETRY_BACKOFF = 0.01
    settings.SUPERSIM_RETRY_BACKOFF_MAX = 0.05
    settings.SUPERSIM_RETRY_AFTER_MAX = 0.02
    settings.SUPERSIM_PAGE_SIZE = 5
    call_command("sandbox_seed", sims=30, fleets=3, seed=5, stdout=io.StringIO())
    assert services.sync_resource(run=services.runs_create(resources=["sims"])[0]).status == "succeeded"
    faults(sandbox_api, rate_429=0.1, rate_500=0.1, seed=3, fail_page="/v1/Sims:3")
    served = []

    def progress(run, items):  # between two pages of the failing run: an operator browses
        for url in PAGES:
            response = viewer_client.get(url)
            served.append((run.pages, url, response.status_code))

    try:
        (run,) = services.runs_create(resources=["sims"])
        services.sync_resource(run=run, progress=progress)
    finally:
        faults(sandbox_api, clear=True)
    assert run.status == SyncRun.Status.FAILED and not run.swept
    assert served and {s for _, _, s in served} == {200}, served
    assert {p for p, _, _ in served} == {1, 2, 3}  # pages were served while the run was mid-way
    assert Sim.objects.filter(removed_at__isnull=True).count() == 30
    # after the failure: every page still answers, and the run's page says what went wrong
    for url in PAGES:
        assert viewer_client.get(url).status_code == 200, url
    detail = viewer_client.get(run.get_absolute_url())
    assert detail.status_code == 200 and b"nothing was swept" in detail.content
