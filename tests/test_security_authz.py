"""Authorization, walked over every URL pattern and every HTTP method (DESIGN.md "Reliability and security"),
against the expected role of each URL written out in ``tests/url_roles.py`` (never read from the view):

* every URL is in that table (a new view must be placed, the failure names it);
* anonymous: a normal request is sent to the login page; an htmx request gets 401 + ``HX-Redirect`` to the
  login page (never a login page swapped into a table); the public pages open;
* a signed-in user without a role: refused (403) everywhere, GET included;
* viewer, operator, admin: refused (403, audited) every method of each URL whose role is above theirs; past
  the role check everywhere else, where a viewer page refuses every mutation with 405.

``tests/test_url_walk.py`` covers GET/POST per URL; this file covers the rest.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from url_roles import ADMIN, ANONYMOUS, OPERATOR, RANKS, SIGNED_IN, URL_ROLES, VIEWER, VIEWER_WRITE, WHERE

from apps.accounts.permissions import PERM_ADMIN, PERM_OPERATE, PERM_VIEW
from apps.audit.models import AuditEvent
from apps.core.testing import PUBLIC_URL_NAMES, walk_urls

METHODS = ("get", "post", "put", "patch", "delete")
MUTATIONS = ("post", "put", "patch", "delete")
#: what each role's permission is called on the views
ROLE_PERMISSION = {VIEWER: PERM_VIEW, VIEWER_WRITE: PERM_VIEW, OPERATOR: PERM_OPERATE, ADMIN: PERM_ADMIN}

WALKED = sorted({(name, url) for name, url, _ in walk_urls()})
#: every walked URL whose expected role the table knows (the others fail test_every_url_has_an_expected_role)
ROLE = {name: URL_ROLES[name] for name, _ in WALKED if name in URL_ROLES}
ROUTES = [(n, u) for n, u in WALKED if ROLE.get(n) not in (None, ANONYMOUS)]  # behind a login
ROLE_ROUTES = [(n, u) for n, u in ROUTES if ROLE[n] != SIGNED_IN]  # behind a role
ADMIN_ROUTES = [(n, u) for n, u in ROUTES if ROLE[n] == ADMIN]
ABOVE_VIEWER = [(n, u) for n, u in ROUTES if ROLE[n] in (OPERATOR, ADMIN)]


def required_permission(callback) -> str | None:
    """The role a view asks for: the class attribute of the permission mixins, or ``role_required``'s."""
    view_class = getattr(callback, "view_class", None)
    return getattr(view_class, "permission_required", None) or getattr(callback, "permission_required", None)


def _call(client, method: str, url: str, **extra):
    return getattr(client, method)(url, {"status": "active", "unique_name": "x"}, **extra)


def test_every_url_has_an_expected_role():
    """A new view must be placed in the table: its role is a decision, not whatever the view says."""
    walked = dict(WALKED)
    missing = [f"{name} ({url})" for name, url in walked.items() if name not in URL_ROLES]
    assert missing == [], f"add these URLs with the role that may open them to {WHERE}: {missing}"
    stale = sorted(set(URL_ROLES) - set(walked))
    assert stale == [], f"these URLs no longer exist: remove them from {WHERE}: {stale}"
    assert (
        {n for n, r in URL_ROLES.items() if r == ANONYMOUS}
        == PUBLIC_URL_NAMES
        == {
            "accounts:login",
            "accounts:login_code",
            "accounts:sso_callback",
            "accounts:sso_login",
            "core:health",
        }
    )


def test_every_view_declares_the_role_of_the_table():
    """Each page behind a role names it (``permission_required``), and it is the table's."""
    declared = {name: required_permission(cb) for name, _, cb in walk_urls()}
    wrong = [
        (name, declared[name], ROLE_PERMISSION[ROLE[name]])
        for name, _ in ROLE_ROUTES
        if declared[name] != ROLE_PERMISSION[ROLE[name]]
    ]
    assert wrong == []
    assert ADMIN_ROUTES and len(ABOVE_VIEWER) > len(ADMIN_ROUTES)


@pytest.mark.django_db
def test_anonymous_can_open_the_public_pages(client):
    public = [(n, u) for n, u in WALKED if ROLE.get(n) == ANONYMOUS]
    assert [(n, client.get(u).status_code) for n, u in public] == [(n, 200) for n, _ in public]


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
    for name, url in ROLE_ROUTES:
        for method in METHODS:
            response = _call(client, method, url)
            if response.status_code != 403:
                wrong.append((name, method, response.status_code))
            refused += 1
    assert wrong == []
    assert AuditEvent.objects.filter(action="access.denied", username="nobody").count() == refused


def _walk_as(client, role: str) -> list:
    """Every method of every URL behind a role, as a user of ``role``: where the table's role is above it,
    403 and one ``access.denied`` audit entry each; where it is not, the role check is passed (never 403)
    and a viewer page, which changes nothing, refuses every mutation with 405. Returns what differs."""
    wrong = []
    for name, url in ROLE_ROUTES:
        allowed = RANKS[role] >= RANKS[ROLE[name]]
        for method in METHODS:
            before = AuditEvent.objects.filter(action="access.denied").count()
            status = _call(client, method, url, HTTP_HX_REQUEST="true").status_code
            denied = AuditEvent.objects.filter(action="access.denied").count() - before
            if not allowed:
                expected_ok = status == 403 and denied == 1
            elif (ROLE[name] == VIEWER and method != "get") or (
                ROLE[name] == VIEWER_WRITE and method != "post"
            ):
                expected_ok = (
                    status == 405 and denied == 0
                )  # a viewer-write URL is a form's target: POST only
            else:
                expected_ok = status not in (401, 403) and denied == 0
            if not expected_ok:
                wrong.append((name, method, status, f"table says {ROLE[name]}"))
    return wrong


@pytest.mark.django_db
def test_viewer_gets_exactly_the_table_s_access_with_any_method(viewer_client):
    assert _walk_as(viewer_client, VIEWER) == []


@pytest.mark.django_db
def test_operator_gets_exactly_the_table_s_access_with_any_method(operator_client, settings):
    settings.SUPERSIM_API_BASE_URL = "http://127.0.0.1:9"  # nothing listens: no API call can go anywhere
    settings.SUPERSIM_MAX_RETRIES = 0
    assert _walk_as(operator_client, OPERATOR) == []


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
def test_admin_member_gets_exactly_the_table_s_access_with_any_method(admin_client_, settings):
    """The other side: the admin group gets past every role check (404/405/200/302/422, never 403)."""
    settings.SUPERSIM_API_BASE_URL = "http://127.0.0.1:9"  # nothing listens: no API call can go anywhere
    settings.SUPERSIM_MAX_RETRIES = 0
    assert _walk_as(admin_client_, ADMIN) == []
