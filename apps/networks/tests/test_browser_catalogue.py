"""Tier 3: the networks catalogue, as a person reads it: "Country" sorted by country name (Albania before
Germany before the United Arab Emirates), both ways; no script error."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from apps.core.testing import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def countries(page) -> list[str]:
    """The country names of the rows shown, in order (the cell also shows the ISO code, in a span)."""
    return page.locator("#network-table tbody tr td:first-child").evaluate_all(
        "cells => cells.map(td => td.firstChild.textContent.trim())"
    )


def test_catalogue_sorted_by_country_name(page, live_server, synced, viewer, output_dir):
    browser_login(page, live_server, viewer.username)
    page.goto(f"{live_server.url}/networks/?per_page=500")
    names = countries(page)
    assert len(names) >= 100 and len(set(names)) >= 40
    assert names == sorted(names, key=str.casefold)
    assert names[0] != "United Arab Emirates" and names.index("Germany") < names.index("United Arab Emirates")
    page.screenshot(path=str(output_dir / "networks.png"))

    page.get_by_role("link", name="Country").click()  # sorted already: this turns it around
    expect(page).to_have_url(f"{live_server.url}/networks/?per_page=500&sort=-iso_country")
    page.locator("#network-table tbody tr").first.wait_for()
    descending = countries(page)
    assert descending == sorted(names, key=str.casefold, reverse=True)
    assert page.errors == []
