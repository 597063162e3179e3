"""Tier 3: every page loads in a real Chromium under the Content-Security-Policy with zero violations.

Data of every kind comes from the factories (with HTML in the names); an admin-group user opens each list
page of the navigation, one detail page of each kind, the job page, the register/onboarding pages, the forms
and the usage page. Console errors (CSP violations are logged there), uncaught script errors and
``securitypolicyviolation`` events are all collected; the test asserts there are none.
"""

from __future__ import annotations

import re

import pytest

from apps.core.middleware import CONTENT_SECURITY_POLICY
from apps.core.testing import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Runs in every page before its own scripts (Playwright injects it outside the page's CSP).
WATCH_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + (e.sourceFile || ""));
});
"""


def test_the_policy_allows_nothing_inline():
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY and "unsafe-eval" not in CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY and "style-src 'self'" in CONTENT_SECURITY_POLICY


def test_every_page_loads_without_a_csp_violation(page, live_server, site, output_dir):
    page.add_init_script(WATCH_CSP)
    browser_login(page, live_server, "admin1")
    violations: dict[str, list[str]] = {}
    for url in site.pages:
        page.errors.clear()
        response = page.goto(f"{live_server.url}{url}")
        page.wait_for_load_state("networkidle")
        assert response is not None and response.status == 200, url
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY, url
        assert page.evaluate("htmx.config.allowEval") is False, url
        found = page.errors + page.evaluate("window.__csp")
        if found:
            violations[url] = found
        assert page.locator("script:not([src]):not([type='application/json'])").count() == 0, url
        assert page.evaluate("window.__xss === undefined"), url
    page.goto(f"{live_server.url}{site.detail_pages[1]}")
    page.screenshot(path=str(output_dir / "sim-detail.png"), full_page=True)
    assert violations == {}


def test_htmx_swaps_raise_no_violation(page, live_server, site, output_dir):
    """Filtering the SIM list swaps the table with htmx: still nothing inline, nothing refused."""
    page.add_init_script(WATCH_CSP)
    browser_login(page, live_server, "admin1")
    page.goto(f"{live_server.url}/sims/")
    page.wait_for_load_state("networkidle")
    search = page.locator("#filter-form input[name=q]")  # the list's filter, not the global search
    search.fill("sim-")
    search.press("Enter")
    page.wait_for_load_state("networkidle")
    assert page.locator("#object-list").get_by_text("sim-<script>", exact=False).count() >= 1
    page.screenshot(path=str(output_dir / "sims-filtered.png"), full_page=True)
    assert page.errors == [] and page.evaluate("window.__csp") == []


def test_an_expired_session_sends_an_htmx_request_to_the_login_page(page, live_server, site):
    """After the session is gone, an htmx request brings the whole page to the login form (HX-Redirect),
    never a login form swapped into the table."""
    browser_login(page, live_server, "admin1")
    page.goto(f"{live_server.url}/sims/")
    page.wait_for_load_state("networkidle")
    page.context.clear_cookies()
    search = page.locator("#filter-form input[name=q]")  # the list's filter, not the global search
    search.fill("x")
    search.press("Enter")
    page.wait_for_url(re.compile(r"/accounts/login/\?next=/sims/"))
    assert page.locator("#object-list").count() == 0
    assert page.locator("input[name=password]").count() == 1
