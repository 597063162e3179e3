"""Tier 3: an operator starts a sync from the Sync page and follows the run; a run of a filtered list opens
as its own page (one navigation bar), and its back link returns to the same filter. Real Chromium."""

from __future__ import annotations

import pytest

from apps.core.testing import browser_login
from apps.sync.models import SyncRun

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sync_now_and_a_run_page_with_a_back_link_keeping_the_filters(
    page, live_server, synced, operator, output_dir
):
    browser_login(page, live_server, operator.username)
    page.goto(f"{live_server.url}/sync/")
    before = SyncRun.objects.count()
    page.select_option("#sync-now-form select", "fleets")
    page.get_by_role("button", name="Sync now").click()
    page.wait_for_url("**/sync/runs/*/")
    run = SyncRun.objects.order_by("-id").first()
    assert SyncRun.objects.count() == before + 1 and run.resource == "fleets"
    assert page.url == f"{live_server.url}{run.get_absolute_url()}"
    page.locator("#syncrun-detail [data-status='succeeded']").wait_for(timeout=20_000)
    page.locator(".toast, [role=alert], .alert", has_text="Sync of fleets started.").first.wait_for()

    # the list, filtered: the run opens as its own page, not inside the list
    page.goto(f"{live_server.url}/sync/")
    page.select_option("#id_resource", "fleets")
    page.wait_for_url("**/sync/?*resource=fleets*")
    fleets_runs = SyncRun.objects.filter(resource="fleets").count()
    page.wait_for_function(
        "n => document.querySelector('[data-list-count]').dataset.listCount === String(n)", arg=fleets_runs
    )
    page.locator("#syncrun-table tbody a", has_text=f"#{run.pk}").click()
    page.wait_for_url(f"**/sync/runs/{run.pk}/?back=*")
    assert page.locator("nav[aria-label='Main navigation']").count() == 1
    assert page.locator("h1").inner_text() == f"Sync run #{run.pk}: Fleets"
    page.screenshot(path=str(output_dir / "sync-run.png"), full_page=True)

    page.get_by_role("link", name="Sync runs").click()
    page.wait_for_url("**/sync/?*resource=fleets*")
    assert page.input_value("#id_resource") == "fleets"
    resources = page.locator("#syncrun-table tbody tr td:nth-child(2)").all_inner_texts()
    assert resources and set(resources) == {"Fleets"}  # the resource's label
    assert page.errors == []
