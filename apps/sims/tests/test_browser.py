"""The operator's main flow in a real Chromium: filter the list, open a SIM, change its status via htmx."""

from __future__ import annotations

import pytest

from apps.core.testing import browser_login
from apps.sims.models import Sim
from apps.sims.tests.test_services_ui import sandbox_sims  # noqa: F401 - fixture


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_operator_filters_opens_a_sim_and_activates_it(sandbox_sims, page, live_server, operator, output_dir):  # noqa: F811
    browser_login(page, live_server, operator.username)
    page.goto(f"{live_server.url}/sims/")
    page.wait_for_selector("#sim-table")
    page.select_option("#id_status", "inactive")
    page.wait_for_url("**/sims/?*status=inactive*")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#sim-table tbody [data-status]')]"
        ".every(b => b.dataset.status === 'inactive')"
    )
    rows = page.locator("#sim-table tbody tr[data-sid]")
    assert rows.count() == Sim.objects.filter(status="inactive", removed_at__isnull=True).count() > 0
    # select two SIMs: the bulk bar counts them
    page.locator("input.sim-select").nth(0).check()
    page.locator("input.sim-select").nth(1).check()
    assert page.inner_text("#bulk-count") == "2 selected"
    page.screenshot(path=str(output_dir / "sim-list.png"), full_page=True)

    # the back button restores the unfiltered list
    page.go_back()
    page.wait_for_url(f"{live_server.url}/sims/")
    page.go_forward()
    page.wait_for_url("**/sims/?*status=inactive*")

    sid = page.locator("#sim-table tbody tr[data-sid]").first.get_attribute("data-sid")
    page.locator(f"#sim-table tbody tr[data-sid='{sid}'] td.mono a").first.click()
    page.wait_for_url(f"**/sims/{sid}/")
    assert page.locator("#sim-status [data-status]").get_attribute("data-status") == "inactive"
    options = page.locator("#status-form select option").all_inner_texts()
    assert options == ["Active"]  # inactive -> active only
    page.select_option("#status-form select", "active")
    page.click("#status-form button[type=submit]")
    # scheduled first (HTTP 202), then the poll sees the API's final state and stops
    page.wait_for_selector("#sim-status [data-status='active']", timeout=15_000)
    page.wait_for_selector("#sim-panel [data-field='status']:has-text('Active')", timeout=10_000)
    assert Sim.objects.get(sid=sid).status == "active"
    page.screenshot(path=str(output_dir / "sim-detail.png"), full_page=True)

    # bulk: deactivate two selected SIMs (checkboxes outside the form, attached with form="bulk-form")
    page.goto(f"{live_server.url}/sims/?status=active")
    chosen = [page.locator("input.sim-select").nth(i).get_attribute("value") for i in (0, 1)]
    for sid_ in chosen:
        page.check(f"input.sim-select[value='{sid_}']")
    page.select_option("#bulk-action", "status")
    page.select_option("select[name=bulk_status]", "inactive")
    page.click("#bulk-selected")
    page.wait_for_selector("#bulk-question:has-text('Change status of 2 SIMs to Inactive?')")
    page.click("#bulk-confirm-yes")
    page.wait_for_url("**/jobs/*/")
    page.wait_for_selector("[data-job-status='succeeded']", timeout=15_000)
    assert set(Sim.objects.filter(sid__in=chosen).values_list("status", flat=True)) == {"inactive"}
    page.screenshot(path=str(output_dir / "sim-bulk-job.png"), full_page=True)
    assert page.errors == []
