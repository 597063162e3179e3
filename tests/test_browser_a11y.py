"""Tier 3: WCAG 2.1 AA (axe-core) on every page, both colour themes, a 390 px phone; a keyboard-only journey.

Every page of the ``site`` fixture (objects of every kind, HTML in the names) is opened by an admin-group
user in the light and the dark theme, on a desktop and at 390x844: axe-core must find no violation of
WCAG 2.0/2.1 A and AA (``apps.core.testing.assert_accessible``), and at 390 px no page may scroll sideways
(tables scroll inside their card). The dark theme is the OS's (``prefers-color-scheme``) in the walk, the
navbar toggle's in the theme test. The keyboard journey logs in, finds a SIM, changes its status and
registers one SIM with the keyboard alone, checking where the focus is after each htmx answer.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from apps.core.testing import PASSWORD, assert_accessible, axe_violations, browser_login, format_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1400, "height": 900}
PHONE = {"width": 390, "height": 844}
#: the views each page is checked in, in this order, without reloading it (theme.js follows a change of
#: prefers-color-scheme live; a new viewport lays the page out again)
VIEWS = [("light", DESKTOP), ("dark", DESKTOP), ("dark", PHONE), ("light", PHONE)]
NEXT_FRAME = "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"


def test_every_page_passes_axe_in_both_themes_and_fits_a_phone(page, live_server, site, output_dir):
    browser_login(page, live_server, "admin1")
    failures: dict[str, str] = {}
    too_wide: dict[str, int] = {}
    for url in site.pages:
        page.set_viewport_size(DESKTOP)
        page.emulate_media(color_scheme="light")
        response = page.goto(f"{live_server.url}{url}")
        page.wait_for_load_state("networkidle")
        assert response is not None and response.status == 200, url
        for scheme, viewport in VIEWS:
            page.set_viewport_size(viewport)
            page.emulate_media(color_scheme=scheme)
            page.evaluate(NEXT_FRAME)
            view = f"{url} ({scheme}, {viewport['width']} px)"
            assert page.evaluate("document.documentElement.dataset.bsTheme") == scheme, view
            violations = axe_violations(page)
            if violations:
                failures[view] = format_violations(violations)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > viewport["width"]:
                too_wide[view] = width
    page.goto(f"{live_server.url}{site.detail_pages[1]}")  # the SIM detail
    for scheme, viewport in VIEWS:
        page.set_viewport_size(viewport)
        page.emulate_media(color_scheme=scheme)
        page.evaluate(NEXT_FRAME)
        shot = output_dir / f"sim-detail-{scheme}-{viewport['width']}.png"
        page.screenshot(path=str(shot), full_page=True)
    assert not failures, "\n".join(f"{view}:\n{text}" for view, text in failures.items())
    assert too_wide == {}, f"pages wider than the screen: {too_wide}"
    assert page.errors == []


def test_the_theme_follows_the_os_and_the_toggle_is_remembered(page, live_server, site, output_dir):
    page.emulate_media(color_scheme="light")
    browser_login(page, live_server, "admin1")
    theme = "document.documentElement.dataset.bsTheme"
    assert page.evaluate(theme) == "light"
    page.screenshot(path=str(output_dir / "home-light.png"), full_page=True)
    # no stored choice: the page follows the OS, also when the OS changes while the page is open
    page.emulate_media(color_scheme="dark")
    page.wait_for_function(f"() => {theme} === 'dark'")
    # the toggle switches to light and remembers it across pages, whatever the OS says
    toggle = page.get_by_role("button", name="Switch to light theme")
    toggle.click()
    assert page.evaluate(theme) == "light"
    page.goto(f"{live_server.url}/sims/")
    assert page.evaluate(theme) == "light"
    page.get_by_role("button", name="Switch to dark theme").click()
    page.goto(f"{live_server.url}/")
    page.emulate_media(color_scheme="light")
    assert page.evaluate(theme) == "dark"
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(33, 37, 41)"
    page.screenshot(path=str(output_dir / "home-dark.png"), full_page=True)
    # printing uses the light theme (white paper), then the chosen theme comes back
    page.evaluate("() => window.dispatchEvent(new Event('beforeprint'))")
    assert page.evaluate(theme) == "light"
    page.evaluate("() => window.dispatchEvent(new Event('afterprint'))")
    assert page.evaluate(theme) == "dark"
    page.goto(f"{live_server.url}{site.detail_pages[1]}")
    page.screenshot(path=str(output_dir / "sim-detail-dark.png"), full_page=True)
    assert_accessible(page, "SIM detail, dark theme chosen with the toggle")
    assert page.errors == []


def tab_to(page, predicate_js: str, what: str, limit: int = 80, key: str = "Tab") -> None:
    """Press Tab (or ``key``) until the focused element satisfies ``predicate_js`` (JS on ``el``)."""
    for _ in range(limit):
        page.keyboard.press(key)
        if page.evaluate(f"(() => {{ const el = document.activeElement; return !!({predicate_js}); }})()"):
            return
    pytest.fail(f"{what} was not reached with Tab in {limit} presses")


def focused(page) -> dict:
    return page.evaluate(
        """() => { const el = document.activeElement;
        return {tag: el.tagName, id: el.id, name: el.getAttribute('name') || '', text: el.innerText || '',
                label: el.getAttribute('aria-label') || '',
                ring: getComputedStyle(el).outlineStyle !== 'none'
                      || getComputedStyle(el).boxShadow !== 'none'}; }"""
    )


def test_keyboard_only_journey(page, live_server, synced, operator, output_dir):
    """Log in, find a SIM, change its status, register one SIM: the keyboard alone, the focus visible."""
    from apps.sandbox.models import InventorySim
    from apps.sims.models import Sim

    sim = Sim.objects.filter(status="inactive", removed_at__isnull=True).order_by("iccid").first()
    assert sim is not None
    unclaimed = InventorySim.objects.filter(claimed=False).order_by("id").first()

    # log in
    page.goto(f"{live_server.url}/accounts/login/")
    tab_to(page, "el.name === 'username'", "the username field")
    page.keyboard.type(operator.username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")

    # the skip link is the first stop and leads into the main content
    page.goto(f"{live_server.url}/sims/")
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "Skip to content"
    assert page.get_by_role("link", name="Skip to content").is_visible()
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main"

    # find the SIM: the search field, type the ICCID, the table answers; Tab to the SIM's link
    tab_to(page, "el.name === 'q'", "the SIM search field")
    assert focused(page)["ring"], "the search field shows no focus ring"
    page.keyboard.type(sim.iccid)
    page.keyboard.press("Enter")
    page.wait_for_function(
        "n => document.querySelectorAll('#sim-table tbody tr[data-sid]').length === n", arg=1
    )
    assert focused(page)["name"] == "q"  # the swap kept the focus in the search field
    assert_accessible(page, "SIM list filtered")
    # select it with the space bar: the bulk bar counts it; applying without a status says why, in place
    tab_to(page, "el.classList.contains('sim-select')", "the SIM's checkbox")
    assert focused(page)["label"] == f"Select {sim.iccid}"
    page.keyboard.press("Space")
    expect(page.locator("#bulk-count")).to_have_text("1 selected")
    tab_to(page, "el.id === 'bulk-selected'", "Apply to selected", key="Shift+Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#bulk-errors [role=alert]")).to_contain_text("Choose the new status.")
    assert focused(page)["id"] == "bulk-selected"  # the answer came in #bulk-errors; the focus stayed
    assert_accessible(page, "SIM list with a selection and a bulk error")
    assert page.errors == [
        "Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)"
    ]
    page.errors.clear()
    tab_to(page, f"el.tagName === 'A' && el.innerText.trim() === '{sim.iccid}'", "the SIM's link")
    assert focused(page)["ring"], "the SIM link shows no focus ring"
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/sims/{sim.sid}/")

    # change its status: the select, Apply, the result is announced and the focus stays on the form
    tab_to(page, "el.closest('#status-form') && el.tagName === 'SELECT'", "the status select")
    page.keyboard.press("Tab")
    assert focused(page)["text"].strip() == "Apply"
    page.keyboard.press("Enter")
    expect(page.locator("#sim-status [data-status='active']")).to_be_visible(timeout=15_000)
    expect(page.locator("#toasts [role=alert]").first).to_contain_text("SIM")
    page.wait_for_function("() => !!document.activeElement.closest('#status-form')")
    assert Sim.objects.get(pk=sim.pk).status == "active"
    assert_accessible(page, "SIM detail after the status change")
    page.screenshot(path=str(output_dir / "keyboard-status-changed.png"), full_page=True)

    # register one SIM from the inventory
    page.goto(f"{live_server.url}/sims/register/")
    tab_to(page, "el.name === 'iccid'", "the ICCID field")
    page.keyboard.type(unclaimed.iccid)
    page.keyboard.press("Tab")
    assert focused(page)["name"] == "registration_code"
    page.keyboard.type(unclaimed.registration_code)
    tab_to(page, "el.tagName === 'BUTTON' && el.type === 'submit' && el.closest('#sim-register')", "Register")
    page.keyboard.press("Enter")
    result = page.get_by_role("status").filter(has_text="registered as")
    expect(result).to_be_visible(timeout=15_000)
    assert re.search(unclaimed.iccid, result.inner_text())
    page.wait_for_function("() => document.activeElement.name === 'iccid'")  # ready for the next SIM
    assert Sim.objects.filter(iccid=unclaimed.iccid).exists()
    assert_accessible(page, "register page after a registration")
    page.screenshot(path=str(output_dir / "keyboard-registered.png"), full_page=True)
    assert page.errors == []
