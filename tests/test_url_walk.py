"""Walk every URL pattern: anonymous users go to the login page, viewers are refused every POST."""

from __future__ import annotations

import pytest

from apps.accounts.permissions import PERM_ADMIN
from apps.audit.models import AuditEvent
from apps.core.testing import PUBLIC_URL_NAMES, walk_urls

PUBLIC = PUBLIC_URL_NAMES


ROUTES = sorted({(name, url) for name, url, _ in walk_urls()})
CALLBACKS = {name: cb for name, _, cb in walk_urls()}


def test_the_walk_sees_the_pages():
    names = {name for name, _ in ROUTES}
    assert {"core:home", "accounts:login", "accounts:logout", "audit:auditevent_list"} <= names


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "url"), ROUTES)
def test_anonymous_is_sent_to_login(client, name, url):
    if name in PUBLIC:
        return
    for method in (client.get, client.post):
        response = method(url)
        assert response.status_code == 302, (name, url, response.status_code)
        assert response["Location"].startswith("/accounts/login/"), (name, response["Location"])


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "url"), ROUTES)
def test_viewer_is_refused_every_post(viewer_client, name, url):
    if name in PUBLIC or name in ("accounts:logout", "accounts:password_change"):  # one's own account
        return
    before = AuditEvent.objects.filter(action="access.denied").count()
    response = viewer_client.post(url, {"status": "active", "unique_name": "hacked"})
    # 403 for every view that changes anything; 405 for read-only pages that accept no POST at all.
    assert response.status_code in (403, 405), (name, url, response.status_code)
    if response.status_code == 403:
        assert AuditEvent.objects.filter(action="access.denied").count() == before + 1


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "url"), ROUTES)
def test_operator_is_refused_admin_actions(operator_client, name, url):
    view_class = getattr(CALLBACKS[name], "view_class", None)
    if getattr(view_class, "permission_required", None) != PERM_ADMIN:
        return
    assert operator_client.post(url, {}).status_code == 403, name


@pytest.mark.django_db
def test_user_without_a_role_cannot_read(client, django_user_model):
    user = django_user_model.objects.create_user("nobody", password="x-long-password-1")
    client.force_login(user)
    assert client.get("/").status_code == 403
