"""Single sign-on against a real OpenID Connect provider (node-oidc-provider on a local port), driven over
HTTP without a browser: the provider's own login and consent forms are posted with requests, the dashboard
is Django's test client. Plus PASSWORD_LOGIN=false and SSO switched off or unreachable."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import pytest
import requests

from apps.accounts.models import SsoIdentity
from apps.accounts.permissions import ADMIN, PERM_OPERATE
from apps.audit.models import AuditEvent
from apps.core.testing import PASSWORD

from .oidc_provider import configure, start_provider

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    started = start_provider(
        redirect_uri="http://testserver/accounts/sso/callback/",
        post_logout_redirect_uri="http://testserver/accounts/login/",
        tmp_path=tmp_path_factory.mktemp("oidc"),
    )
    yield started
    started.process.terminate()
    started.process.wait(timeout=10)


@pytest.fixture
def sso(provider, settings):
    configure(settings, provider)
    return provider


def _form_action(html: str, base: str) -> str:
    return urljoin(base, re.search(r'<form[^>]+action="([^"]+)"', html).group(1))


def provider_login(client, login: str, *, next_url: str = ""):
    """Click "Log in with ..." and go through the provider's login + consent; returns the dashboard's
    answer to the callback."""
    start = client.get("/accounts/sso/login/" + (f"?next={next_url}" if next_url else ""))
    assert start.status_code == 302
    browser = requests.Session()
    url, response = start["Location"], None
    for _ in range(20):
        if url.startswith("http://testserver/"):
            parts = urlsplit(url)
            return client.get(parts.path, dict(p.split("=", 1) for p in parts.query.split("&")))
        response = browser.get(url, allow_redirects=False, timeout=10)
        if response.is_redirect:
            url = urljoin(url, response.headers["Location"])
            continue
        html = response.text
        form = {"prompt": "consent"}
        if 'name="login"' in html:
            form = {"prompt": "login", "login": login, "password": "any"}
        posted = browser.post(_form_action(html, url), data=form, allow_redirects=False, timeout=10)
        url = urljoin(url, posted.headers["Location"])
    raise AssertionError(
        f"the provider never sent back to the dashboard (last: {response and response.text})"
    )


def test_first_sso_login_creates_the_user_with_the_mapped_role_then_re_evaluates_it(
    client, sso, django_user_model
):
    sso.set_accounts({"bob": {"email": "bob@example.com", "groups": ["dash-viewers"]}})
    done = provider_login(client, "bob", next_url="/sims/")
    assert done.status_code == 302 and done["Location"] == "/sims/"
    assert client.get("/").status_code == 200
    identity = SsoIdentity.objects.select_related("user").get(subject="bob")
    user = identity.user
    assert (user.username, user.email, list(user.groups.values_list("name", flat=True))) == (
        "bob",
        "bob@example.com",
        ["viewer"],
    )
    assert AuditEvent.objects.filter(action="user.create", username="bob").count() == 1
    client.post("/accounts/logout/")

    sso.set_accounts({"bob": {"email": "bob@new.example", "groups": ["dash-ops", "dash-viewers"]}})
    assert provider_login(client, "bob").status_code == 302
    user.refresh_from_db()
    assert list(user.groups.values_list("name", flat=True)) == ["operator"]  # the highest mapped role
    assert user.email == "bob@new.example"
    assert SsoIdentity.objects.count() == 1
    assert django_user_model.objects.get(pk=user.pk).has_perm(PERM_OPERATE)


def test_a_provider_user_without_a_mapped_group_is_refused(client, sso, settings):
    sso.set_accounts({"eve": {"email": "eve@example.com", "groups": ["marketing"]}})
    refused = provider_login(client, "eve")
    assert refused.status_code == 302 and refused["Location"] == "/accounts/login/?sso=failed"
    assert not SsoIdentity.objects.exists()
    assert client.get("/").status_code == 302
    event = AuditEvent.objects.get(action="auth.sso_refused")
    assert event.success is False and "['marketing']" in event.message
    page = client.get("/accounts/login/?sso=failed")
    assert b"Single sign-on did not log you in" in page.content
    # with a default role the same user gets in as a viewer
    settings.OIDC_DEFAULT_ROLE = "viewer"
    assert provider_login(client, "eve")["Location"] == "/"
    assert SsoIdentity.objects.get().user.groups.get().name == "viewer"


def test_sso_never_takes_over_a_local_account_of_the_same_name(client, sso, django_user_model):
    local = django_user_model.objects.create_user("carol", password=PASSWORD)
    sso.set_accounts({"carol": {"email": "carol@example.com", "groups": ["dash-admins"]}})
    assert provider_login(client, "carol")["Location"] == "/"
    identity = SsoIdentity.objects.select_related("user").get()
    assert identity.user.username == "carol-2" and identity.user.pk != local.pk
    assert not local.groups.exists()


def test_sso_leaves_a_superusers_role_alone(client, sso, django_user_model):
    root = django_user_model.objects.create_superuser("root", password=PASSWORD)
    SsoIdentity.objects.create(user=root, issuer=sso.issuer, subject="root")
    sso.set_accounts({"root": {"email": "root@example.com", "groups": ["dash-viewers"]}})
    assert provider_login(client, "root")["Location"] == "/"
    assert client.get("/accounts/users/").status_code == 200
    assert not root.groups.exists()


def test_a_forged_state_answers_400(client, sso):
    start = client.get("/accounts/sso/login/")
    assert start.status_code == 302 and start["Location"].startswith(f"{sso.issuer}/auth?")
    assert "code_challenge=" in start["Location"]  # PKCE
    response = client.get("/accounts/sso/callback/", {"code": "x", "state": "not-the-state"})
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_logout_after_sso_goes_on_to_the_providers_logout(client, sso):
    sso.set_accounts({"dan": {"email": "dan@example.com", "groups": ["dash-viewers"]}})
    provider_login(client, "dan")
    response = client.post("/accounts/logout/")
    assert response.status_code == 200
    url = re.search(r'<a href="([^"]+)">Continue', response.content.decode()).group(1).replace("&amp;", "&")
    assert url.startswith(f"{sso.issuer}/session/end?id_token_hint=")
    assert "post_logout_redirect_uri=http%3A%2F%2Ftestserver%2Faccounts%2Flogin%2F" in url
    assert client.get("/").status_code == 302


def test_password_login_off_keeps_only_the_break_glass_superuser(
    client, admin_member, settings, django_user_model
):
    settings.PASSWORD_LOGIN = False
    refused = client.post("/accounts/login/", {"username": "admin1", "password": PASSWORD})
    assert refused.status_code == 200 and b"Password login is turned off" in refused.content
    assert client.get("/").status_code == 302
    django_user_model.objects.create_superuser("breakglass", password=PASSWORD)
    assert (
        client.post("/accounts/login/", {"username": "breakglass", "password": PASSWORD}).status_code == 302
    )
    assert client.get("/accounts/users/").status_code == 200
    assert admin_member.groups.get().name == ADMIN


def test_sso_off_the_sso_pages_say_so(client, settings):
    settings.OIDC_ISSUER = ""
    page = client.get("/accounts/login/")
    assert b"Log in with" not in page.content
    response = client.get("/accounts/sso/login/")
    assert response.status_code == 200 and b"Single sign-on is not configured here" in response.content


def test_an_unreachable_provider_answers_503_with_a_message(client, settings):
    settings.OIDC_ISSUER = "http://127.0.0.1:9"  # nothing listens there
    settings.OIDC_RP_CLIENT_ID = "dashboard"
    assert b"Log in with single sign-on" in client.get("/accounts/login/").content
    response = client.get("/accounts/sso/login/")
    assert response.status_code == 503 and b"The identity provider cannot be reached now" in response.content
    assert AuditEvent.objects.filter(action="auth.sso_failed", success=False).count() == 1
