"""The type-ahead fleet filter in a real Chromium, by keyboard only (Tom Select over /fleets/choices/)."""

from __future__ import annotations

import pytest

from apps.core.testing import browser_login
from apps.fleets.tests.factories import FleetFactory
from apps.sims.tests.factories import SimFactory


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_fleet_filter_is_typed_chosen_by_keyboard_and_filters_the_list(page, live_server, viewer):
    pumps = FleetFactory(unique_name="pumps")
    trackers = FleetFactory(unique_name="trackers")
    pump_sims = {SimFactory(fleet=pumps).sid for _ in range(2)}
    SimFactory(fleet=trackers)
    browser_login(page, live_server, viewer.username)
    page.goto(f"{live_server.url}/sims/")
    page.wait_for_selector("#sim-table")
    control = page.locator("#id_fleet-ts-control")  # Tom Select's combobox input, labelled "Fleet"
    assert control.get_attribute("role") == "combobox"
    control.focus()
    page.keyboard.type("pum")
    page.locator(".ts-dropdown .option:has-text('pumps')").wait_for()
    assert page.locator(".ts-dropdown .option:has-text('trackers')").count() == 0  # the server's answer
    if page.locator(".ts-dropdown .option.active").count() == 0:
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/sims/?*fleet={pumps.sid}*")
    page.wait_for_function(
        "n => document.querySelectorAll('#sim-table tbody tr[data-sid]').length === n", arg=len(pump_sims)
    )
    rows = page.locator("#sim-table tbody tr[data-sid]")
    shown = set(rows.evaluate_all("rs => rs.map(r => r.dataset.sid)"))
    assert shown == pump_sims
    # the chosen fleet is rendered by the server on reload
    page.reload()
    page.wait_for_selector("#sim-table")
    assert "pumps" in page.inner_text(".ts-control")
