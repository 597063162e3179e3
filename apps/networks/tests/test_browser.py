"""Tier 3: an admin creates a NAP, adds a network in place through the htmx search, removes it after
confirming; a real Chromium, no CSP violation or script error."""

from __future__ import annotations

import pytest

from apps.core.testing import browser_login, make_user
from apps.networks.models import Network, NetworkAccessProfile, NetworkAccessProfileNetwork
from apps.supersim.client import get_client

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_builds_a_nap_in_place(page, live_server, synced, output_dir):
    make_user("nap-admin", "admin")
    browser_login(page, live_server, "nap-admin")
    first = Network.objects.filter(iso_country="DE").order_by("friendly_name").first()

    page.goto(f"{live_server.url}/networks/profiles/new/")
    page.fill("input[name=unique_name]", "browser-nap")
    page.fill("input[data-filter-select]", "germany")
    page.select_option("select[name=networks]", [first.sid])
    page.get_by_role("button", name="Create profile").click()
    page.wait_for_load_state("networkidle")
    nap = NetworkAccessProfile.objects.get(unique_name="browser-nap")
    assert page.url == f"{live_server.url}{nap.get_absolute_url()}"
    assert page.locator(f"#nap-network-table tr[data-sid='{first.sid}']").count() == 1

    # search the catalogue, add in place (no reload: the flag set now survives to the end)
    page.evaluate("window.__notReloaded = true")
    page.fill("#network-search", "spain")
    results = page.locator("#network-search-list li")
    results.first.wait_for()
    added_sid = results.first.get_attribute("data-sid")
    assert Network.objects.get(sid=added_sid).iso_country == "ES"
    results.first.get_by_role("button", name="Add").click()
    row = page.locator(f"#nap-network-table tr[data-sid='{added_sid}']")
    row.wait_for()
    page.locator(f"#network-search-list li[data-sid='{added_sid}']").wait_for(state="detached")  # re-searched
    assert {n["sid"] for n in get_client().nap_networks_list(nap.sid)} == {first.sid, added_sid}
    page.screenshot(path=str(output_dir / "nap-added.png"), full_page=True)

    # remove it, after confirming
    dialogs = []

    def accept(dialog):
        dialogs.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    row.get_by_role("button").click()
    row.wait_for(state="detached")
    assert dialogs and dialogs[0].startswith("Remove ")
    assert {n["sid"] for n in get_client().nap_networks_list(nap.sid)} == {first.sid}
    assert (
        NetworkAccessProfileNetwork.objects.get(nap_id=nap.sid, network_id=added_sid).removed_at is not None
    )
    page.locator(".toast", has_text="removed from browser-nap").wait_for()
    assert page.evaluate("window.__notReloaded") is True
    page.screenshot(path=str(output_dir / "nap-removed.png"), full_page=True)
    assert page.errors == []
