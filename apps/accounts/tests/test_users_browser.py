"""Tier 3, in Chromium: a user locked out by wrong passwords is unlocked by an admin on the Users page and
logs in again; an admin creates a user and changes its role, cannot demote the last admin, and the new
operator is refused the Users page. No CSP violation or script error on the way."""

from __future__ import annotations

import pytest

from apps.core.testing import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def expected_statuses(errors: list[str], *statuses: int) -> list[str]:
    """The page errors other than the browser's note on an answer with one of ``statuses`` (a 403 page,
    the 429 lockout page, a refused change): those are what the journey expects."""
    notes = tuple(f"status of {s}" for s in statuses)
    return [e for e in errors if not any(n in e for n in notes)]


def test_locked_out_user_is_unlocked_by_an_admin_and_logs_in(
    page, browser, live_server, viewer, admin_member, settings, output_dir
):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        browser_login(page, live_server, "viewer1", "not-the-password")
    browser_login(page, live_server, "viewer1")  # the right password: still locked out
    assert page.get_by_role("heading", name="Too many failed logins").is_visible()
    assert page.get_by_role("link", name="Users page").is_visible()
    page.screenshot(path=str(output_dir / "locked-out.png"))

    admin_context = browser.new_context(viewport={"width": 1400, "height": 900})
    admin = admin_context.new_page()
    admin.errors = []
    admin.on("console", lambda msg: admin.errors.append(msg.text) if msg.type == "error" else None)
    admin.on("pageerror", lambda exc: admin.errors.append(str(exc)))
    try:
        browser_login(admin, live_server, "admin1")
        admin.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Users").click()
        admin.wait_for_load_state("networkidle")
        row = admin.locator("#user-table tr", has_text="viewer1")
        assert row.get_by_text("locked out").is_visible()
        admin.screenshot(path=str(output_dir / "users.png"), full_page=True)
        row.get_by_role("link", name="viewer1").click()
        admin.get_by_role("button", name="Unlock").click()
        admin.wait_for_load_state("networkidle")
        assert admin.get_by_role("alert").filter(has_text="viewer1 is unlocked").is_visible()
        assert admin.locator("#user-summary [data-locked-out]").inner_text() == "no"
        assert admin.errors == []
    finally:
        admin_context.close()

    browser_login(page, live_server, "viewer1")
    assert page.url == f"{live_server.url}/"
    assert page.get_by_text("viewer1").first.is_visible()
    assert expected_statuses(page.errors, 429) == []


def test_admin_creates_a_user_changes_its_role_and_keeps_the_last_admin(
    page, live_server, admin_member, output_dir
):
    browser_login(page, live_server, "admin1")
    page.goto(f"{live_server.url}/accounts/users/")
    page.get_by_role("link", name="New user").click()
    page.fill("input[name=username]", "newbie")
    page.select_option("select[name=role]", "viewer")
    page.get_by_role("button", name="Create user").click()
    page.wait_for_load_state("networkidle")
    password = page.locator("#new-password").inner_text()
    assert len(password) >= 10
    assert page.get_by_role("alert").filter(has_text="User newbie created").is_visible()
    page.screenshot(path=str(output_dir / "created.png"), full_page=True)

    page.select_option("select[name=role]", "operator")
    page.get_by_role("button", name="Change role").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("alert").filter(has_text="newbie is now operator").is_visible()
    assert page.locator("#user-summary").get_by_text("operator", exact=True).is_visible()

    # the last admin cannot demote themselves
    page.goto(f"{live_server.url}/accounts/users/?role=admin")
    page.locator("#user-table").get_by_role("link", name="admin1").click()
    page.select_option("select[name=role]", "viewer")
    page.get_by_role("button", name="Change role").click()
    page.wait_for_load_state("networkidle")
    refusal = page.locator("[data-refusal]")
    assert "admin1 is the last active admin" in refusal.inner_text()
    assert page.locator("#user-summary").get_by_text("admin", exact=True).is_visible()
    page.screenshot(path=str(output_dir / "last-admin.png"), full_page=True)

    # the new operator logs in with the password shown once, and may not manage users
    page.get_by_role("button", name="Log out").click()
    page.wait_for_load_state("networkidle")
    browser_login(page, live_server, "newbie", password)
    assert page.url == f"{live_server.url}/"
    nav = page.get_by_role("navigation", name="Main navigation")
    assert nav.get_by_role("link", name="Users").count() == 0
    response = page.goto(f"{live_server.url}/accounts/users/")
    assert response.status == 403
    assert page.get_by_role("heading", name="You are not allowed to do that").is_visible()
    assert expected_statuses(page.errors, 403, 409) == []
    assert "newbie" in nav.inner_text()
