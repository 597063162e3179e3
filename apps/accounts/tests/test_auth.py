import pytest
from django.contrib.auth.models import Group

from apps.audit.models import AuditEvent
from apps.core.testing import PASSWORD


@pytest.mark.django_db
def test_role_groups_exist_with_their_permissions():
    perms = {g.name: set(g.permissions.values_list("codename", flat=True)) for g in Group.objects.all()}
    assert perms["viewer"] == {"view_dashboard"}
    assert perms["operator"] == {"view_dashboard", "operate"}
    assert perms["admin"] == {"view_dashboard", "operate", "administer"}


@pytest.mark.django_db
def test_login_page_renders(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert b'name="username"' in response.content
    assert "Content-Security-Policy" in response.headers
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]


@pytest.mark.django_db
def test_login_then_home_then_logout_kills_session(client, viewer):
    response = client.post("/accounts/login/", {"username": "viewer1", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert b"Audit log" in home.content and b"SIMs" in home.content
    session_key = client.session.session_key
    assert client.post("/accounts/logout/").status_code == 302
    from django.contrib.sessions.models import Session

    assert not Session.objects.filter(session_key=session_key).exists()
    assert client.get("/").status_code == 302
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["auth.login", "auth.logout"]


@pytest.mark.django_db
def test_failed_login_is_audited_and_shown(client, viewer):
    response = client.post("/accounts/login/", {"username": "viewer1", "password": "wrong"})
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert event.success is False and "viewer1" in event.message


@pytest.mark.django_db
def test_repeated_failures_lock_the_username_ip_pair(client, viewer, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "viewer1", "password": "wrong"})
    locked = client.post("/accounts/login/", {"username": "viewer1", "password": PASSWORD})
    assert locked.status_code == 429
    assert b"Too many failed logins" in locked.content
    # another address is not locked out for the same username
    other = client.post(
        "/accounts/login/", {"username": "viewer1", "password": PASSWORD}, REMOTE_ADDR="10.9.9.9"
    )
    assert other.status_code == 302


@pytest.mark.django_db
def test_idle_session_expires(client, viewer, settings):
    client.force_login(viewer)
    assert client.get("/").status_code == 200
    session = client.session
    session["_last_activity"] = session.get("_last_activity", 0) - settings.SESSION_IDLE_TIMEOUT - 5
    session.save()
    assert client.get("/").status_code == 302
    assert AuditEvent.objects.filter(action="auth.session_expired").exists()
