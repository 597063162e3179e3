"""Login hardening: lockout per username + client IP behind a proxy, session timeouts, logout, password rules,
and the audit trail of logins (OWASP ASVS 5: 6.3.1, 7.3, 8.2, 16.2-16.3)."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError

from apps.audit.models import AuditEvent
from apps.core.testing import PASSWORD

LOGIN = "/accounts/login/"
PROXY = "10.0.0.1"  # the reverse proxy: every request reaches the app from here


def login(client, password: str, *, xff: str | None = None, remote: str = PROXY, username: str = "viewer1"):
    extra = {"REMOTE_ADDR": remote}
    if xff is not None:
        extra["HTTP_X_FORWARDED_FOR"] = xff
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


@pytest.fixture
def one_proxy(settings):
    settings.PROXY_COUNT = 1
    return settings


@pytest.mark.django_db
def test_lockout_behind_a_proxy_is_per_real_client(client, viewer, one_proxy):
    limit = one_proxy.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        assert login(client, "wrong", xff="203.0.113.5").status_code == 200
    assert login(client, "wrong", xff="203.0.113.5").status_code == 429  # the limit-th failure locks
    assert login(client, PASSWORD, xff="203.0.113.5").status_code == 429  # locked, even with the password
    assert AccessAttempt.objects.get().ip_address == "203.0.113.5"  # the client, not the proxy
    # the attacker cannot dodge the lock by sending its own X-Forwarded-For entries (left of the proxy's)
    assert login(client, PASSWORD, xff="198.51.100.99, 203.0.113.5").status_code == 429
    assert login(client, PASSWORD, xff="garbage, 203.0.113.5").status_code == 429
    # another client behind the same proxy, same username: not locked out (no denial of service)
    assert login(client, PASSWORD, xff="198.51.100.7").status_code == 302
    failed = AuditEvent.objects.filter(action="auth.login_failed")
    assert failed.count() == limit + 3  # the refused attempts while locked are audited too
    assert set(failed.values_list("ip_address", flat=True)) == {"203.0.113.5"}
    ok = AuditEvent.objects.get(action="auth.login")
    assert ok.ip_address == "198.51.100.7" and ok.username == "viewer1"


@pytest.mark.django_db
def test_without_a_proxy_the_forwarded_header_is_not_trusted(client, viewer, settings):
    settings.PROXY_COUNT = 0
    for n in range(settings.AXES_FAILURE_LIMIT):
        login(client, "wrong", xff=f"192.0.2.{n}", remote="203.0.113.9")  # a new fake address each time
    assert login(client, PASSWORD, xff="192.0.2.200", remote="203.0.113.9").status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.9"}


@pytest.mark.django_db
def test_lockout_is_per_username_too(client, viewer, operator, one_proxy):
    for _ in range(one_proxy.AXES_FAILURE_LIMIT):
        login(client, "wrong", xff="203.0.113.5")
    assert login(client, PASSWORD, xff="203.0.113.5").status_code == 429
    # the same address may still sign in as somebody else (username + IP pairs)
    assert login(client, PASSWORD, xff="203.0.113.5", username="operator1").status_code == 302


@pytest.mark.django_db
def test_absolute_session_timeout_even_when_active(client, viewer, settings):
    client.force_login(viewer)
    assert client.get("/").status_code == 200
    session = client.session
    key = session.session_key
    session["_auth_started"] = session["_auth_started"] - settings.SESSION_COOKIE_AGE - 5
    session["_last_activity"] = session["_last_activity"]  # active a moment ago: not idle
    session.save()
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert not Session.objects.filter(session_key=key).exists()  # flushed server-side
    event = AuditEvent.objects.get(action="auth.session_expired")
    assert event.message == "absolute timeout" and event.username == "viewer1"


@pytest.mark.django_db
def test_idle_timeout_on_an_htmx_poll_redirects_the_whole_page(client, viewer, settings):
    client.force_login(viewer)
    client.get("/")
    session = client.session
    session["_last_activity"] -= settings.SESSION_IDLE_TIMEOUT + 5
    session.save()
    response = client.get("/sync/", HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL="http://testserver/sync/")
    assert response.status_code == 401 and response["HX-Redirect"] == "/accounts/login/?next=/sync/"
    assert AuditEvent.objects.filter(action="auth.session_expired", message="idle timeout").count() == 1


@pytest.mark.django_db
def test_logout_ends_the_session_server_side_and_needs_a_post(client, viewer):
    assert login(client, PASSWORD).status_code == 302
    cookie = client.cookies["sessionid"].value
    assert client.get("/accounts/logout/").status_code == 405  # no logout by a link/image (CSRF)
    assert Session.objects.filter(session_key=cookie).exists()
    assert client.post("/accounts/logout/").status_code == 302
    assert not Session.objects.filter(session_key=cookie).exists()
    # replaying the old cookie gets nothing
    client.cookies["sessionid"] = cookie
    assert client.get("/").status_code == 302


@pytest.mark.django_db
def test_login_rotates_the_session_key(client, viewer):
    client.get(LOGIN)
    client.cookies["sessionid"] = "attacker-chosen-session-key-000000"
    login(client, PASSWORD)
    assert client.cookies["sessionid"].value != "attacker-chosen-session-key-000000"


@pytest.mark.parametrize(
    "password",
    ["short1!", "password123", "1234567890123", "viewer1viewer1"],
    ids=["too-short", "common", "numeric", "like-the-username"],
)
def test_password_validators_refuse_weak_passwords(password, django_user_model):
    user = django_user_model(username="viewer1viewer1", email="viewer1@example.com")
    with pytest.raises(ValidationError):
        validate_password(password, user)


def test_password_validators_accept_a_long_passphrase(django_user_model):
    assert validate_password(PASSWORD, django_user_model(username="viewer1")) is None  # raises when refused
    with pytest.raises(ValidationError):
        validate_password("short1", django_user_model(username="viewer1"))


@pytest.mark.django_db
def test_locked_out_page_gives_nothing_away(client, viewer, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "wrong")
    locked = login(client, PASSWORD)
    assert locked.status_code == 429
    assert b"viewer1" not in locked.content and PASSWORD.encode() not in locked.content
    assert "Content-Security-Policy" in locked.headers
