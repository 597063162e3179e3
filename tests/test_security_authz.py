"""Authorization, walked over every URL pattern and every HTTP method (DESIGN.md "Reliability and security").

* anonymous: a normal request is sent to the login page; an htmx request gets 401 + ``HX-Redirect`` to the
  login page (never a login page swapped into a table);
* a signed-in user without a role: refused (403) everywhere, GET included;
* viewer: refused every mutation (PUT/PATCH/DELETE/POST: 403, or 405 where the page accepts no such method),
  and every page that needs a higher role, and each 403 is an audit entry;
* operator: refused every method of the admin-only views.

``tests/test_url_walk.py`` covers GET/POST for anonymous users and viewers; this file covers the rest.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from apps.accounts.permissions import PERM_ADMIN, PERM_OPERATE, PERM_VIEW
from apps.audit.models import AuditEvent
from apps.core.testing import PUBLIC_URL_NAMES, walk_urls

PUBLIC = PUBLIC_URL_NAMES
METHODS = ("get", "post", "put", "patch", "delete")
MUTATIONS = ("post", "put", "patch", "delete")
#: what any signed-in user does to their own account (log out, change their password): apps/accounts tests
OWN_ACCOUNT = {"accounts:logout", "accounts:password_change"}


def required_permission(callback) -> str | None:
    """The role a view asks for: the class attribute of the permission mixins, or ``role_required``'s."""
    view_class = getattr(callback, "view_class", None)
    return getattr(view_class, "permission_required", None) or getattr(callback, "permission_required", None)


ROUTES = sorted({(name, url) for name, url, _ in walk_urls() if name not in PUBLIC})
PERMS = {name: required_permission(cb) for name, _, cb in walk_urls()}
ADMIN_ROUTES = [(n, u) for n, u in ROUTES if PERMS[n] == PERM_ADMIN]
ABOVE_VIEWER = [(n, u) for n, u in ROUTES if PERMS[n] in (PERM_OPERATE, PERM_ADMIN)]


def _call(client, method: str, url: str, **extra):
    return getattr(client, method)(url, {"status": "active", "unique_name": "x"}, **extra)


def test_every_page_declares_a_role():
    """No page relies on the login alone: each names the role it needs (so the walks below are complete)."""
    undeclared = [name for name, _ in ROUTES if name != "accounts:logout" and PERMS[name] is None]
    assert undeclared == []
    assert ADMIN_ROUTES and len(ABOVE_VIEWER) > len(ADMIN_ROUTES)


# One test per role, looping over the routes (one user each: password hashing is what costs), every
# failure collected so a run names them all.
@pytest.mark.django_db
def test_anonymous_every_method_goes_to_login(client):
    wrong = []
    for name, url in ROUTES:
        for method in METHODS:
            response = _call(client, method, url)
            if response.status_code != 302 or not response["Location"].startswith("/accounts/login/?next="):
                wrong.append((name, method, response.status_code))
    assert wrong == []


@pytest.mark.django_db
def test_anonymous_htmx_request_is_told_to_log_in_not_given_a_page(client):
    """An htmx request (a poll, a filter, a button) after the session ended: 401 + HX-Redirect, no body
    to swap; the login page's ``next`` is the page the browser shows (HX-Current-URL), not the fragment."""
    wrong = []
    for name, url in ROUTES:
        for method in METHODS:
            response = _call(
                client,
                method,
                url,
                HTTP_HX_REQUEST="true",
                HTTP_HX_TARGET="object-list",
                HTTP_HX_CURRENT_URL="http://testserver/sims/?status=active",
            )
            location = urlsplit(response.headers.get("HX-Redirect", ""))
            if (
                response.status_code != 401
                or response.content
                or location.path != "/accounts/login/"
                or parse_qs(location.query).get("next") != ["/sims/?status=active"]
            ):
                wrong.append((name, method, response.status_code))
    assert wrong == []


@pytest.mark.django_db
def test_anonymous_htmx_next_never_points_to_another_site(client):
    response = client.get("/sims/", HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL="https://evil.example/x")
    assert response.status_code == 401
    assert parse_qs(urlsplit(response["HX-Redirect"]).query)["next"] == ["/sims/"]


@pytest.mark.django_db
def test_user_without_a_role_is_refused_everything(client, django_user_model):
    user = django_user_model.objects.create_user("nobody", password="x-long-password-1")
    client.force_login(user)
    wrong, refused = [], 0
    for name, url in ROUTES:
        if name == "accounts:logout":
            continue
        for method in METHODS:
            response = _call(client, method, url)
            if response.status_code != 403:
                wrong.append((name, method, response.status_code))
            refused += 1
    assert wrong == []
    assert AuditEvent.objects.filter(action="access.denied", username="nobody").count() == refused


@pytest.mark.django_db
def test_viewer_is_refused_every_mutation_with_any_method(viewer_client):
    wrong = []
    for name, url in ROUTES:
        if name in OWN_ACCOUNT:
            continue
        for method in MUTATIONS:
            before = AuditEvent.objects.filter(action="access.denied").count()
            response = _call(viewer_client, method, url, HTTP_HX_REQUEST="true")
            status = response.status_code
            # 403 for a view that needs a higher role (checked before the method); 405 for a read-only page
            expected = (403, 405) if PERMS[name] == PERM_VIEW else (403,)
            audited = AuditEvent.objects.filter(action="access.denied").count() == before + (status == 403)
            if status not in expected or not audited:
                wrong.append((name, method, status, audited))
    assert wrong == []


@pytest.mark.django_db
def test_viewer_cannot_even_open_operator_and_admin_pages(viewer_client):
    wrong = [(n, s) for n, u in ABOVE_VIEWER if (s := viewer_client.get(u).status_code) != 403]
    assert wrong == []


@pytest.mark.django_db
def test_operator_is_refused_admin_views_with_any_method(operator_client, operator):
    wrong = []
    for name, url in ADMIN_ROUTES:
        for method in METHODS:
            response = _call(operator_client, method, url)
            if response.status_code != 403:
                wrong.append((name, method, response.status_code))
    assert wrong == []
    denied = AuditEvent.objects.filter(action="access.denied", username=operator.username)
    assert denied.count() == len(ADMIN_ROUTES) * len(METHODS)
    assert all(e.success is False and " refused" in e.message for e in denied)


@pytest.mark.django_db
def test_admin_member_passes_the_role_check(admin_client_, settings):
    """The other side: the admin group gets past the role check (404/405/200/302/422, never 403)."""
    settings.SUPERSIM_API_BASE_URL = "http://127.0.0.1:9"  # nothing listens: no API call can go anywhere
    settings.SUPERSIM_MAX_RETRIES = 0
    wrong = []
    for name, url in ADMIN_ROUTES + ABOVE_VIEWER:
        for method in METHODS:
            if (status := getattr(admin_client_, method)(url).status_code) == 403:
                wrong.append((name, method, status))
    assert wrong == []
