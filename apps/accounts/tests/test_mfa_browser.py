"""Tier 3, in Chromium: a user sets up two-factor login from their own page (QR code + key as text,
confirmed with a code, recovery codes shown), logs out, logs in with password + code; a wrong code is
refused on the page. Codes computed with pyotp from the key the page shows, as an authenticator app does."""

from __future__ import annotations

import time

import pyotp
import pytest
from playwright.sync_api import expect

from apps.core.testing import assert_accessible, browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_enrol_then_log_in_with_a_code_and_a_wrong_code_is_refused(page, live_server, operator, output_dir):
    # wide enough for the whole navbar: at 1400 px its Log out button overflows the dark bar (main's nav)
    page.set_viewport_size({"width": 1600, "height": 900})
    browser_login(page, live_server, "operator1")
    page.get_by_role("link", name="operator1").click()  # the user's own page (password)
    page.get_by_role("link", name="Two-factor login").click()
    expect(page.locator("#mfa-state")).to_contain_text("Two-factor login is off")
    page.get_by_role("button", name="Set up an authenticator app").click()
    expect(page.get_by_role("img", name="QR code to scan with an authenticator app")).to_be_visible()
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)
    page.screenshot(path=str(output_dir / "setup.png"))
    assert_accessible(page, "2FA set-up")
    page.get_by_label("Code from the app").fill(totp.now())
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("status")).to_have_text("Two-factor login is on.")
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    page.screenshot(path=str(output_dir / "recovery-codes.png"))
    assert_accessible(page, "recovery codes")

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
    browser_login(page, live_server, "operator1")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/code/")
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text(
        "That code is not right. Type the 6 digits your app shows now."
    )
    page.screenshot(path=str(output_dir / "wrong-code.png"))
    assert_accessible(page, "login code refused")
    page.get_by_label("Code").fill(totp.at(time.time() + 30))  # the next step's code: the last one is spent
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("navigation", name="Main navigation")).to_contain_text("operator1")
    # the wrong code's 422 answer is the only error the browser noted
    assert [e for e in page.errors if "status of 422" not in e] == []
