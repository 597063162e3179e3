"""Tier 3: a person creates an API token on their page (shown once), a script uses it, the person revokes
it; the API docs (vendored Swagger UI) render the schema under the CSP with no violation."""

from __future__ import annotations

import pytest
import requests
from playwright.sync_api import expect

from apps.core.testing import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WATCH_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


def test_token_created_used_revoked_and_the_docs_render(page, live_server, operator, output_dir):
    page.add_init_script(WATCH_CSP)
    browser_login(page, live_server, operator.username)
    page.click("[data-nav-api-tokens]")  # the user's own tokens, from the navigation bar
    expect(page).to_have_url(f"{live_server.url}/api/v1/tokens/")
    expect(page.get_by_text("No tokens yet.")).to_be_visible()
    page.fill("input[name=name]", "inventory script")
    page.select_option("select[name=scope]", "write")
    page.click("text=Create token")
    shown = page.locator("[data-secret]")
    expect(shown).to_be_visible()
    secret = shown.inner_text().strip()
    assert secret.startswith("ssa_")
    expect(page.locator("[data-token-secret]")).to_contain_text("it is shown only once")
    row = page.locator("tr[data-token]")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("inventory script")
    expect(row).to_contain_text("Read and write")
    page.screenshot(path=str(output_dir / "token-created.png"), full_page=True)

    headers = {"Authorization": f"Bearer {secret}"}
    assert requests.get(f"{live_server.url}/api/v1/sims/", headers=headers, timeout=30).status_code == 200

    page.goto(f"{live_server.url}/api/v1/tokens/")
    expect(page.locator("[data-secret]")).to_have_count(0)  # never shown again
    page.click("tr[data-token] >> text=Revoke")
    expect(page.locator("tr[data-token]")).to_contain_text("revoked")
    assert requests.get(f"{live_server.url}/api/v1/sims/", headers=headers, timeout=30).status_code == 401

    page.goto(f"{live_server.url}/api/v1/docs/")
    expect(page.locator(".swagger-ui .title")).to_contain_text("Super SIM Admin API")
    expect(page.locator(".opblock-summary-path[data-path='/api/v1/sims/']").first).to_be_visible()
    page.screenshot(path=str(output_dir / "api-docs.png"))
    assert page.evaluate("window.__csp") == []
    assert page.errors == []
