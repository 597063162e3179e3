"""Tier 3: a viewer filters the fleet list, saves the view, opens the whole list again and reopens the view
from the Views menu; the list with its saved-views panels and the saved views page pass axe-core."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from apps.core.testing import assert_accessible, browser_login, make_user
from apps.fleets.tests.factories import FleetFactory
from apps.savedviews.models import SavedView

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_save_a_view_and_reopen_it(page, live_server, output_dir):
    make_user("viewsaver", "viewer")
    FleetFactory(unique_name="alpha-eu", data_enabled=True)
    FleetFactory(unique_name="beta-us", data_enabled=False)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    browser_login(page, live_server, "viewsaver")
    page.goto(f"{live_server.url}/fleets/")
    rows = page.locator("#object-list tbody tr")
    expect(rows).to_have_count(2)
    page.fill("#filter-form input[name=q]", "beta")
    page.dispatch_event("#filter-form input[name=q]", "change")  # one htmx request (Enter + keyup: two)
    expect(rows).to_have_count(1)  # htmx swapped the table and pushed ?q=beta
    expect(page).to_have_url(re.compile(r"/fleets/\?q=beta"))
    page.get_by_text("Save view").first.click()
    page.fill("#saved-view-name", "Only beta")
    page.check("#saved-view-make-default")
    expect(page.locator(".htmx-request")).to_have_count(0)  # no table swap (faded) under way
    assert_accessible(page, "fleet list, save view panel open")
    page.locator("#saved-view-form button[type=submit]").click()
    # the filter form sends every field (an empty "Data enabled" is "unknown"): all kept, but the page
    page.wait_for_url(re.compile(r"/fleets/\?q=beta&data_enabled=unknown&tag_mode=any&view=\d+$"))
    view = SavedView.objects.get(name="Only beta")
    assert view.query == "q=beta&data_enabled=unknown&tag_mode=any" and not view.shared
    expect(page.locator("#saved-view-active")).to_have_text("View: Only beta")
    expect(rows).to_have_count(1)

    page.click("#saved-views-all")  # the whole list
    expect(rows).to_have_count(2)
    page.get_by_text("Views (1)").click()
    page.locator("#saved-views-list a", has_text="Only beta").click()
    page.wait_for_url(re.compile(rf"/fleets/\?q=beta&data_enabled=unknown&tag_mode=any&view={view.pk}$"))
    expect(rows).to_have_count(1)
    page.goto(f"{live_server.url}/fleets/")  # the default view applies to the bare list
    expect(page.locator("#saved-view-default-note")).to_be_visible()
    page.screenshot(path=str(output_dir / "saved-view.png"), full_page=True)
    page.goto(f"{live_server.url}/views/")
    expect(page.locator("#my-views tbody tr")).to_have_count(1)
    assert_accessible(page, "saved views page")
    assert errors == []
