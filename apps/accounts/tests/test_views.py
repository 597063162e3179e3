"""User management (/accounts/users/, admins only): list, create, role, deactivate, unlock; every action
audited; the last admin is never demoted nor deactivated."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.core.testing import PASSWORD, ListViewTests, make_user

pytestmark = pytest.mark.django_db

User = get_user_model()


def lock_out(client, username: str, settings) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": username, "password": "wrong"})
    locked = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert locked.status_code == 429


def test_only_admins_open_the_users_pages(client, viewer, operator, admin_member):
    for user in (viewer, operator):
        client.force_login(user)
        assert client.get("/accounts/users/").status_code == 403
        assert client.post(f"/accounts/users/{admin_member.pk}/deactivate/").status_code == 403
        assert b">Users<" not in client.get("/").content
    admin_member.refresh_from_db()
    assert admin_member.is_active
    client.force_login(admin_member)
    page = client.get("/accounts/users/")
    assert page.status_code == 200
    assert b">Users</a>" in client.get("/").content  # in the navigation


def test_list_shows_role_last_login_and_lockout(client, viewer, operator, admin_member, settings):
    lock_out(client, "operator1", settings)
    client.post("/accounts/login/", {"username": "viewer1", "password": PASSWORD})
    client.logout()
    client.force_login(admin_member)
    html = client.get("/accounts/users/").content.decode()
    rows = dict(re.findall(r'data-username="(\w+)"(.*?)</tr>', html, re.S))
    assert set(rows) == {"viewer1", "operator1", "admin1"}
    assert 'data-role="operator"' in rows["operator1"] and 'data-locked-out="yes"' in rows["operator1"]
    assert 'data-role="viewer"' in rows["viewer1"] and 'data-locked-out="no"' in rows["viewer1"]
    assert "never" in rows["operator1"] and "never" not in rows["viewer1"]  # viewer1 logged in
    locked = client.get("/accounts/users/?locked_out=true").content.decode()
    assert re.findall(r'data-username="(\w+)"', locked) == ["operator1"]
    admins = client.get("/accounts/users/?role=admin").content.decode()
    assert re.findall(r'data-username="(\w+)"', admins) == ["admin1"]


def test_admin_creates_a_user_who_logs_in_with_the_password_shown_once(client, admin_member):
    client.force_login(admin_member)
    response = client.post(
        "/accounts/users/new/", {"username": "newop", "email": "n@example.com", "role": "operator"}
    )
    assert response.status_code == 201
    assert "no-store" in response["Cache-Control"]
    password = re.search(r'id="new-password">([^<]+)<', response.content.decode()).group(1)
    user = User.objects.get(username="newop")
    assert list(user.groups.values_list("name", flat=True)) == ["operator"]
    event = AuditEvent.objects.get(action="user.create")
    assert event.username == "admin1" and event.object_repr == "newop" and event.after["role"] == "operator"
    assert password not in str(event.after) and password not in event.message
    client.logout()
    assert client.post("/accounts/login/", {"username": "newop", "password": password}).status_code == 302
    assert client.get("/sims/register/").status_code == 200  # an operator


def test_create_refuses_a_taken_or_bad_username(client, admin_member, viewer):
    client.force_login(admin_member)
    taken = client.post("/accounts/users/new/", {"username": "viewer1", "role": "viewer"})
    assert taken.status_code == 422 and b"already exists" in taken.content
    bad = client.post("/accounts/users/new/", {"username": "a b!", "role": "boss"})
    assert bad.status_code == 422 and b'data-field-error="role"' in bad.content
    assert User.objects.count() == 2 and not AuditEvent.objects.filter(action="user.create").exists()


def test_role_change_is_audited_and_takes_effect(client, admin_member, viewer):
    client.force_login(admin_member)
    response = client.post(f"/accounts/users/{viewer.pk}/role/", {"role": "operator"})
    assert response.status_code == 302
    assert list(viewer.groups.values_list("name", flat=True)) == ["operator"]
    event = AuditEvent.objects.get(action="user.role_change")
    assert (event.before["role"], event.after["role"], event.success) == ("viewer", "operator", True)
    bad = client.post(f"/accounts/users/{viewer.pk}/role/", {"role": "root"})
    assert bad.status_code == 422 and b"Choose one of the roles" in bad.content
    client.force_login(viewer)
    assert client.get("/sims/register/").status_code == 200


def test_the_last_admin_is_neither_demoted_nor_deactivated(client, admin_member):
    other = make_user("admin2", "admin")
    client.force_login(other)
    assert client.post(f"/accounts/users/{admin_member.pk}/deactivate/").status_code == 302
    admin_member.refresh_from_db()
    assert not admin_member.is_active
    # admin2 is the last active admin now
    response = client.post(f"/accounts/users/{other.pk}/role/", {"role": "viewer"})
    assert response.status_code == 409
    assert b"admin2 is the last active admin" in response.content
    assert list(other.groups.values_list("name", flat=True)) == ["admin"]
    refused = AuditEvent.objects.get(action="user.role_change")
    assert refused.success is False and "last active admin" in refused.message
    # and cannot deactivate themselves
    response = client.post(f"/accounts/users/{other.pk}/deactivate/")
    assert response.status_code == 409 and b"your own account" in response.content
    other.refresh_from_db()
    assert other.is_active
    # once another admin is active again, the demotion goes through
    assert client.post(f"/accounts/users/{admin_member.pk}/activate/").status_code == 302
    assert client.post(f"/accounts/users/{other.pk}/role/", {"role": "viewer"}).status_code == 302
    actions = list(
        AuditEvent.objects.filter(action__startswith="user.").order_by("id").values_list("action", "success")
    )
    assert actions == [
        ("user.deactivate", True),
        ("user.role_change", False),
        ("user.deactivate", False),
        ("user.activate", True),
        ("user.role_change", True),
    ]


def test_a_deactivated_user_loses_its_session_and_cannot_log_in(client, admin_member, operator):
    from django.test import Client

    own = Client()
    own.force_login(operator)
    assert own.get("/").status_code == 200
    client.force_login(admin_member)
    assert client.post(f"/accounts/users/{operator.pk}/deactivate/").status_code == 302
    assert own.get("/").status_code == 302  # back to the login page
    login = Client().post("/accounts/login/", {"username": "operator1", "password": PASSWORD})
    assert login.status_code == 200 and b"Please enter a correct username and password" in login.content


def test_admin_unlocks_a_locked_out_user(client, admin_member, viewer, settings):
    lock_out(client, "viewer1", settings)
    admin = type(client)()
    admin.force_login(admin_member)
    page = admin.get(f"/accounts/users/{viewer.pk}/")
    assert b'data-locked-out="yes"' in page.content and b"Unlock" in page.content
    response = admin.post(f"/accounts/users/{viewer.pk}/unlock/", follow=True)
    assert b"viewer1 is unlocked" in response.content and b'data-locked-out="no"' in response.content
    event = AuditEvent.objects.get(action="user.unlock")
    assert event.before == {"locked_out": True} and event.username == "admin1"
    assert client.post("/accounts/login/", {"username": "viewer1", "password": PASSWORD}).status_code == 302


def test_password_reset_shows_a_new_password_once(client, admin_member, viewer):
    client.force_login(admin_member)
    response = client.post(f"/accounts/users/{viewer.pk}/password/")
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    password = re.search(r'id="new-password">([^<]+)<', response.content.decode()).group(1)
    viewer.refresh_from_db()
    assert viewer.check_password(password) and not viewer.check_password(PASSWORD)
    assert AuditEvent.objects.filter(action="user.password_reset", object_id=str(viewer.pk)).count() == 1


def test_lockout_page_points_to_the_users_page(client, viewer, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "viewer1", "password": "wrong"})
    locked = client.post("/accounts/login/", {"username": "viewer1", "password": PASSWORD})
    assert reverse("accounts:user_list").encode() in locked.content
    assert b"Users page" in locked.content


def test_filters_read_as_words(client, admin_member):
    client.force_login(admin_member)
    html = client.get("/accounts/users/", {"is_active": "false"}).content.decode()
    assert "[invalid name]" not in html and ">Role</label>" in html
    assert re.findall(r'data-username="(\w+)"', html) == []
    assert '<option value="false" selected>No</option>' in html


def test_a_user_changes_their_own_password(client, viewer):
    client.force_login(viewer)
    assert b'href="/accounts/password/"' in client.get("/").content  # the username in the navigation
    wrong = client.post(
        "/accounts/password/",
        {"old_password": "nope", "new_password1": "a-new-long-secret", "new_password2": "a-new-long-secret"},
    )
    assert wrong.status_code == 422 and b'data-field-error="old_password"' in wrong.content
    done = client.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-long-secret",
            "new_password2": "a-new-long-secret",
        },
    )
    assert done.status_code == 302 and done["Location"] == "/"
    assert client.get("/").status_code == 200  # still signed in
    viewer.refresh_from_db()
    assert viewer.check_password("a-new-long-secret")
    event = AuditEvent.objects.get(action="user.password_change")
    assert event.username == "viewer1" and "a-new-long-secret" not in str(event.__dict__)


def test_an_admin_cannot_take_over_a_superuser(client, admin_member, django_user_model):
    root = django_user_model.objects.create_superuser("root", password=PASSWORD)
    client.force_login(admin_member)
    for action in ("password", "deactivate"):
        response = client.post(f"/accounts/users/{root.pk}/{action}/")
        assert response.status_code == 409 and b"only a superuser can change that account" in response.content
    role = client.post(f"/accounts/users/{root.pk}/role/", {"role": "viewer"})
    assert role.status_code == 409 and b"root is a superuser" in role.content
    root.refresh_from_db()
    assert root.check_password(PASSWORD) and root.is_active
    assert AuditEvent.objects.filter(object_id=str(root.pk), success=False).count() == 3


class TestUserList(ListViewTests):
    url_name = "accounts:user_list"
    role = "admin"
    filter_query = "username=kept"

    def make_rows(self):
        make_user("kept-user", "viewer")
        make_user("dropped-user", "operator")
        return "kept-user", "dropped-user"
