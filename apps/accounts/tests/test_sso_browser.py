"""Tier 3, in Chromium, against a real OpenID Connect provider (node-oidc-provider on a local port): the
dashboard's SSO button -> the provider's login and consent -> the callback -> signed in with the role the
``groups`` claim maps to; logout ends the provider's session too; the next login re-evaluates the role."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from apps.accounts.models import SsoIdentity
from apps.audit.models import AuditEvent

from .oidc_provider import configure, start_provider

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def provider(live_server, settings, tmp_path):
    started = start_provider(
        redirect_uri=f"{live_server.url}/accounts/sso/callback/",
        post_logout_redirect_uri=f"{live_server.url}/accounts/login/",
        tmp_path=tmp_path,
    )
    configure(settings, started)
    yield started
    started.process.terminate()
    started.process.wait(timeout=10)


def sso_login(page, live_server, login: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("link", name="Log in with Test IdP").click()
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("any password: the provider's dev login page")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()  # consent
    expect(page).to_have_url(f"{live_server.url}/")


def test_sso_login_maps_the_role_logs_out_and_re_evaluates_it(page, live_server, provider, output_dir):
    # errors of the dashboard's pages only (the provider's dev pages load a web font from the internet)
    ours = []
    page.on(
        "console",
        lambda msg: (
            ours.append(msg.text)
            if msg.type == "error" and msg.location.get("url", "").startswith(live_server.url)
            else None
        ),
    )
    page.on("pageerror", lambda exc: ours.append(str(exc)) if page.url.startswith(live_server.url) else None)
    provider.set_accounts({"alice": {"email": "alice@example.com", "groups": ["dash-ops", "other"]}})
    sso_login(page, live_server, "alice")
    nav = page.get_by_role("navigation", name="Main navigation")
    expect(nav).to_contain_text("alice (operator)")
    expect(nav.get_by_role("link", name="Users")).to_have_count(0)
    page.screenshot(path=str(output_dir / "signed-in-operator.png"))
    identity = SsoIdentity.objects.select_related("user").get()
    assert (identity.issuer, identity.subject, identity.user.username) == (provider.issuer, "alice", "alice")
    assert identity.user.email == "alice@example.com" and not identity.user.has_usable_password()

    page.get_by_role("button", name="Log out").click()
    page.get_by_role("button", name="Yes, sign me out").click()  # the provider's logout
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
    page.goto(f"{live_server.url}/sims/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/sims/")

    provider.set_accounts({"alice": {"email": "alice@example.com", "groups": ["dash-admins"]}})
    sso_login(page, live_server, "alice")  # the provider asks the login again: its session ended
    expect(nav).to_contain_text("alice (admin)")
    expect(nav.get_by_role("link", name="Users")).to_have_count(1)
    page.screenshot(path=str(output_dir / "signed-in-admin.png"))
    assert SsoIdentity.objects.count() == 1
    changes = list(
        AuditEvent.objects.filter(action="user.role_change", username="alice")
        .order_by("id")
        .values_list("after", flat=True)
    )
    assert changes == [{"role": "operator"}, {"role": "admin"}]
    assert AuditEvent.objects.filter(action="auth.login", username="alice").count() == 2
    assert ours == []
