"""Walk every URL pattern, one case per URL and what it is there for (roles from ``tests/url_roles.py``):
anonymous users go to the login page, the public pages open, viewers are refused every POST that needs a
higher role and a read-only page refuses POST altogether, operators are refused the admin URLs."""

from __future__ import annotations

import pytest
from url_roles import ADMIN, ANONYMOUS, OPERATOR, URL_ROLES, VIEWER

from apps.audit.models import AuditEvent
from apps.core.testing import walk_urls

ROUTES = sorted({(name, url) for name, url, _ in walk_urls()})


def routes(*roles: str) -> list[tuple[str, str]]:
    """The walked URLs whose role in the table is one of ``roles`` (URLs missing from the table fail
    ``tests/test_security_authz.py::test_every_url_has_an_expected_role``)."""
    return [(name, url) for name, url in ROUTES if URL_ROLES.get(name) in roles]


BEHIND_LOGIN = [(n, u) for n, u in ROUTES if URL_ROLES.get(n, ANONYMOUS) != ANONYMOUS]


def test_the_walk_sees_the_pages():
    names = {name for name, _ in ROUTES}
    assert {"core:home", "accounts:login", "accounts:logout", "audit:auditevent_list"} <= names
    assert len(BEHIND_LOGIN) + len(routes(ANONYMOUS)) == len(ROUTES)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "url"), BEHIND_LOGIN)
def test_anonymous_is_sent_to_login(client, name, url):
    for method in (client.get, client.post):
        response = method(url)
        assert response.status_code == 302, (name, url, response.status_code)
        assert response["Location"].startswith("/accounts/login/"), (name, response["Location"])


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "url"), routes(ANONYMOUS))
def test_anonymous_opens_the_public_pages(client, name, url):
    assert client.get(url).status_code == 200, name


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "url"), routes(OPERATOR, ADMIN))
def test_viewer_is_refused_every_post_above_its_role(viewer_client, name, url):
    before = AuditEvent.objects.filter(action="access.denied").count()
    response = viewer_client.post(url, {"status": "active", "unique_name": "hacked"})
    assert response.status_code == 403, (name, url, response.status_code)
    assert AuditEvent.objects.filter(action="access.denied").count() == before + 1


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "url"), routes(VIEWER))
def test_viewer_pages_accept_no_post(viewer_client, name, url):
    """A page a viewer may open changes nothing: POST is not a method it has (405), not a silent 200."""
    response = viewer_client.post(url, {"status": "active", "unique_name": "hacked"})
    assert response.status_code == 405, (name, url, response.status_code)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "url"), routes(ADMIN))
def test_operator_is_refused_admin_actions(operator_client, name, url):
    assert operator_client.post(url, {}).status_code == 403, name


@pytest.mark.django_db
def test_user_without_a_role_cannot_read(client, django_user_model):
    user = django_user_model.objects.create_user("nobody", password="x-long-password-1")
    client.force_login(user)
    assert client.get("/").status_code == 403
