"""Tier 3: the global search with the keyboard alone: "/" focuses it, an ICCID prefix shows the SIM as you
type, ArrowDown + Enter opens it; the box (open) and the results page pass axe-core."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from apps.core.testing import assert_accessible, browser_login, make_user
from apps.fleets.tests.factories import FleetFactory
from apps.sims.tests.factories import SimFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_slash_focuses_search_and_arrow_enter_opens_the_sim(page, live_server, output_dir):
    make_user("searcher", "viewer")
    fleet = FleetFactory(unique_name="Search fleet")
    sim = SimFactory(iccid="8944500000000000017", unique_name="boiler-17", fleet=fleet)
    SimFactory(iccid="8944500000000000025", unique_name="boiler-25", fleet=fleet)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    browser_login(page, live_server, "searcher")
    page.goto(f"{live_server.url}/")
    box = page.locator("#nav-search-q")
    page.locator("body").press("/")
    expect(box).to_be_focused()
    box.press_sequentially("894450000000000")
    options = page.locator("#search-listbox [role=option]")
    expect(options).to_have_count(2)
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#search-status")).to_contain_text("2 SIMs")
    assert_accessible(page, "search box open")
    page.screenshot(path=str(output_dir / "search-box.png"))
    box.press("ArrowDown")
    expect(options.first).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", options.first.get_attribute("id"))
    box.press("Enter")
    page.wait_for_url(f"**/sims/{sim.sid}/")
    expect(page.locator("h1")).to_contain_text("boiler-17")

    # Enter with no option chosen: the results page, grouped
    page.goto(f"{live_server.url}/")
    page.locator("body").press("/")
    box.fill("boiler")
    box.press("Enter")
    page.wait_for_url("**/search/?q=boiler")
    expect(page.locator("[data-search-group=sims] li")).to_have_count(2)
    assert_accessible(page, "search results")
    assert errors == []
