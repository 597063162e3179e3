"""Walk every URL pattern: anonymous users go to the login page, viewers are refused every POST."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from apps.accounts.permissions import PERM_ADMIN
from apps.audit.models import AuditEvent

#: namespaces with their own authentication: Django admin (staff login), the sandbox (API credentials),
#: webhooks (signatures); each has its own tests.
OWN_AUTH_NAMESPACES = {"admin", "sandbox", "webhooks"}
PUBLIC = {"accounts:login", "core:health"}
SAMPLE = {
    "int": "987654",
    "str": "XX00000000000000000000000000000000",
    "slug": "no-such-thing",
    "uuid": "00000000-0000-0000-0000-000000000000",
    "path": "no/such/path",
}


def _route_to_url(route: str) -> str:
    url = re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: SAMPLE.get(m.group(1) or "str", "x"), route)
    return "/" + url.lstrip("^").rstrip("$").replace("\\", "")


def walk(patterns=None, prefix="", namespace=""):
    for p in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace or namespace
            if ns in OWN_AUTH_NAMESPACES:
                continue
            yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            name = f"{namespace}:{p.name}" if namespace else (p.name or "")
            yield name, _route_to_url(prefix + str(p.pattern)), p.callback


ROUTES = sorted({(name, url) for name, url, _ in walk()})
CALLBACKS = {name: cb for name, _, cb in walk()}


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
    if name in PUBLIC or name == "accounts:logout":
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
