"""Tier 3: a real browser logs in and sees the navigation; no CSP violation or script error on the way."""

import pytest

from apps.core.testing import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_shows_the_navigation(page, live_server, operator, output_dir):
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url  # login required
    browser_login(page, live_server, "operator1")
    assert page.url == f"{live_server.url}/"
    nav = page.locator("nav[aria-label='Main navigation']")
    for label in [
        "SIMs",
        "Fleets",
        "Network Access Profiles",
        "Networks",
        "eSIM Profiles",
        "Commands",
        "Usage",
        "Sync",
        "Audit log",
    ]:
        assert nav.get_by_text(label, exact=True).count() == 1, label
    assert page.evaluate("typeof htmx") == "object"
    assert page.evaluate("htmx.config.allowEval") is False
    page.screenshot(path=str(output_dir / "home.png"), full_page=True)
    assert page.errors == []


def test_wrong_password_is_refused_in_the_page(page, live_server, operator, output_dir):
    browser_login(page, live_server, "operator1", "not-the-password")
    assert "/accounts/login/" in page.url
    assert page.get_by_role("alert").inner_text().startswith("Please enter a correct username")
    page.screenshot(path=str(output_dir / "login-refused.png"))


def test_logout_ends_the_session(page, live_server, operator):
    browser_login(page, live_server, "operator1")
    page.get_by_role("button", name="Log out").click()
    page.wait_for_load_state("networkidle")
    assert "/accounts/login/" in page.url
    page.goto(f"{live_server.url}/audit/")
    assert "/accounts/login/" in page.url
