"""Tokens: stored hashed, shown once, named, scoped, expiring, revocable, last use recorded; per-token
throttling; the errors as problem+json."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.api.models import ApiToken
from apps.api.tokens import token_create, token_hash
from apps.audit.models import AuditEvent
from apps.sims.tests.factories import SimFactory

from .conftest import token_client

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


def test_no_token_is_a_401_problem_with_the_scheme_named():
    response = APIClient().get("/api/v1/sims/")
    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    body = response.json()
    assert body["status"] == 401 and body["title"] == "Not authenticated"
    assert body["detail"] == "Authentication credentials were not provided."
    assert body["type"].endswith("/401")


def test_token_is_stored_hashed_and_authenticates(viewer):
    token, secret = token_create(user=viewer, name="inventory script", scope="read")
    assert secret.startswith("ssa_") and len(secret) > 40
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.key_hash == token_hash(secret) and secret not in stored.key_hash
    assert stored.prefix == secret[:12]
    assert stored.last_used_at is None
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert client.get("/api/v1/sims/").status_code == 200
    stored.refresh_from_db()
    assert stored.last_used_at is not None
    created = AuditEvent.objects.get(action="api_token.create")
    assert created.username == viewer.username and created.after["scope"] == "read"


@pytest.mark.parametrize("state", ["revoked", "expired", "unknown", "inactive user"])
def test_a_dead_token_is_refused(viewer, state):
    token, secret = token_create(user=viewer, name="t", scope="write")
    if state == "revoked":
        ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    elif state == "expired":
        ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    elif state == "unknown":
        secret = secret[:-4] + "AAAA"
    else:
        viewer.is_active = False
        viewer.save()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    response = client.get("/api/v1/sims/")
    assert response.status_code == 401
    assert response.json()["detail"] == "The token is not valid (unknown, revoked or expired)."


def test_a_token_before_its_expiry_works(viewer):
    _, secret = token_create(
        user=viewer, name="t", scope="read", expires_at=timezone.now() + timedelta(days=1)
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    assert client.get("/api/v1/fleets/").status_code == 200


def test_read_scope_token_is_refused_every_write_and_the_refusal_audited(operator_read_api):
    sim = SimFactory(status="active")
    before = AuditEvent.objects.filter(action="access.denied").count()
    for method, url, body in [
        ("post", f"/api/v1/sims/{sim.sid}/status/", {"status": "inactive"}),
        ("post", f"/api/v1/sims/{sim.sid}/rename/", {"unique_name": "x"}),
        ("post", "/api/v1/sms-commands/", {"sim": sim.sid, "payload": "hi"}),
        ("post", "/api/v1/jobs/", {"action": "status", "value": "inactive", "sids": [sim.sid]}),
        ("post", "/api/v1/sync-runs/", {}),
    ]:
        response = getattr(operator_read_api, method)(url, body, format="json")
        assert response.status_code == 403, url
        assert response["Content-Type"] == PROBLEM
        assert response.json()["detail"] == (
            "This token is read-only: create a token with the write scope to change data."
        )
    denied = AuditEvent.objects.filter(action="access.denied").order_by("id")[before:]
    assert [e.source for e in denied] == ["api"] * 5
    assert operator_read_api.get(f"/api/v1/sims/{sim.sid}/").status_code == 200


def test_throttle_per_token(viewer, settings):
    settings.API_THROTTLE_RATE = "3/min"
    first, second = token_client(viewer, "read"), token_client(viewer, "read")
    assert [first.get("/api/v1/fleets/").status_code for _ in range(3)] == [200, 200, 200]
    refused = first.get("/api/v1/fleets/")
    assert refused.status_code == 429
    assert refused["Content-Type"] == PROBLEM
    assert int(refused["Retry-After"]) > 0
    assert refused.json()["detail"].startswith("Request was throttled.")
    assert second.get("/api/v1/fleets/").status_code == 200  # another token has its own budget


def test_guessing_tokens_is_throttled_per_address(viewer, settings):
    """Unknown tokens are refused before any throttle by token could count them: per client address,
    ``API_AUTH_FAILURES_PER_MINUTE`` of them, then every token from there waits (even a valid one)."""
    from django.core.cache import cache

    counters = ["api:token-failures:198.51.100.7", "api:token-failures:198.51.100.8"]
    cache.delete_many(counters)  # only this test's counters (a Redis cache is shared with Celery)
    settings.API_AUTH_FAILURES_PER_MINUTE = 3
    guesser = APIClient(REMOTE_ADDR="198.51.100.7")
    guesser.credentials(HTTP_AUTHORIZATION="Bearer ssa_" + "x" * 43)
    assert [guesser.get("/api/v1/sims/").status_code for _ in range(3)] == [401, 401, 401]
    blocked = guesser.get("/api/v1/sims/")
    assert blocked.status_code == 429
    assert (
        blocked.json()["detail"]
        == "Too many invalid tokens from this address. Expected available in 60 seconds."
    )
    assert blocked["Retry-After"] == "60"
    _, secret = token_create(user=viewer, name="t", scope="read")
    guesser.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert guesser.get("/api/v1/sims/").status_code == 429
    elsewhere = APIClient(REMOTE_ADDR="198.51.100.8")
    elsewhere.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert elsewhere.get("/api/v1/sims/").status_code == 200
    cache.delete_many(counters)


def test_a_user_without_a_role_reads_nothing(django_user_model):
    nobody = django_user_model.objects.create_user("nobody", password="x-long-password-1")
    response = token_client(nobody, "write").get("/api/v1/sims/")
    assert response.status_code == 403
    assert (
        response.json()["detail"] == "Your role may not do this (it needs the 'view_dashboard' permission)."
    )


def test_session_reads_but_writes_need_csrf(viewer, operator):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(operator)
    sim = SimFactory()
    assert client.get(f"/api/v1/sims/{sim.sid}/").status_code == 200
    response = client.post(f"/api/v1/sims/{sim.sid}/rename/", {"unique_name": "x"}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"].startswith("CSRF Failed")


# --- the tokens page ------------------------------------------------------------------------------------
def test_tokens_page_creates_shows_once_lists_and_revokes(client, viewer, operator):
    client.force_login(viewer)
    page = client.get("/api/v1/tokens/")
    assert page.status_code == 200 and b"No tokens yet." in page.content
    created = client.post("/api/v1/tokens/", {"name": "CI", "scope": "read", "expires": ""})
    assert created.status_code == 201
    assert created["Cache-Control"] == "no-store"
    token = ApiToken.objects.get(user=viewer)
    secret = created.context["secret"]
    assert token.key_hash == token_hash(secret)
    assert secret.encode() in created.content
    again = client.get("/api/v1/tokens/")
    assert secret.encode() not in again.content and token.prefix.encode() in again.content
    assert b"never" in again.content  # expiry and last use
    # another user's token cannot be revoked from here
    other, _ = token_create(user=operator, name="theirs", scope="write")
    assert client.post(f"/api/v1/tokens/{other.pk}/revoke/").status_code == 404
    assert client.post(f"/api/v1/tokens/{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    other.refresh_from_db()
    assert token.revoked_at is not None and other.revoked_at is None
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get("/api/v1/sims/").status_code == 401
    assert AuditEvent.objects.filter(action="api_token.revoke", object_id=str(token.pk)).count() == 1


def test_tokens_page_refuses_a_past_expiry_and_an_empty_name(client, viewer):
    client.force_login(viewer)
    response = client.post("/api/v1/tokens/", {"name": " ", "scope": "write", "expires": "2000-01-01"})
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert errors["expires"] == ["The expiry date must be in the future."]
    assert errors["name"] == ["This field is required."]
    assert ApiToken.objects.count() == 0


def test_docs_page_loads_the_vendored_swagger_ui_without_inline_script(viewer_client):
    response = viewer_client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in html
    assert "/static/js/api-docs.js" in html
    assert 'data-schema-url="/api/v1/schema/"' in html
    assert "<script>" not in html  # every script has a src (CSP script-src 'self')
    assert "script-src 'self'" in response["Content-Security-Policy"]
