"""Tier 3: the usage page, in a real Chromium, shows each scope's own SIMs, countries and networks (several
fleets' data side by side); no CSP violation or script error."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from apps.core.testing import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _list(page, chart: str):
    return page.locator(f"[data-chart-list='{chart}'] li")


def test_usage_page_per_scope_shows_only_that_scope(page, live_server, viewer, usage_fleets, output_dir):
    browser_login(page, live_server, viewer.username)
    page.goto(f"{live_server.url}/usage/")
    expect(_list(page, "top_sims")).to_have_count(4)  # the account: every fleet's SIMs
    assert _list(page, "top_sims").all_inner_texts() == [
        "b1 \u2014 9 MB",
        "a1 \u2014 5 MB",
        "a2 \u2014 3 MB",
        "b2 \u2014 3 MB",
    ]
    expect(_list(page, "countries")).to_have_count(2)

    # a person picks the fleet in the form
    page.select_option("select[name=scope]", "fleet")
    page.locator("#id_fleet-ts-control").fill("fleet-o")  # the type-ahead: the server's matches
    page.locator(".ts-dropdown .option:has-text('fleet-one')").click()
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/usage/?*scope=fleet*")
    expect(_list(page, "top_sims")).to_have_count(2)
    assert _list(page, "top_sims").all_inner_texts() == ["a1 \u2014 5 MB", "a2 \u2014 3 MB"]
    expect(page.locator("[data-chart-note='countries']")).to_contain_text("not known for one fleet")
    assert _list(page, "countries").count() == 0 and _list(page, "networks").count() == 0
    page.screenshot(path=str(output_dir / "usage-fleet.png"), full_page=True)

    # a country: its networks only, and itself
    page.goto(f"{live_server.url}/usage/?scope=isoCountry&country=US")
    expect(_list(page, "networks")).to_have_count(2)
    assert _list(page, "networks").all_inner_texts() == [
        "Net One (US) \u2014 6 MB",
        "Net Two (US) \u2014 6 MB",
    ]
    expect(_list(page, "countries")).to_have_count(1)
    assert _list(page, "countries").all_inner_texts() == ["United States (US) \u2014 12 MB"]
    expect(page.locator("[data-chart-note='top_sims']")).to_contain_text("not known for one country")
    page.screenshot(path=str(output_dir / "usage-country.png"), full_page=True)
    assert page.errors == []
