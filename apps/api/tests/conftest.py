"""Fixtures of the API tests: a token per role and scope, and a client that sends it."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from apps.api.tokens import token_create


def token_client(user, scope: str = "write") -> APIClient:
    _, secret = token_create(user=user, name=f"{user.username}-{scope}", scope=scope)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    client.secret = secret
    return client


@pytest.fixture
def viewer_api(viewer):
    return token_client(viewer, "write")  # write scope: only the role stops a viewer


@pytest.fixture
def operator_api(operator):
    return token_client(operator, "write")


@pytest.fixture
def operator_read_api(operator):
    return token_client(operator, "read")


@pytest.fixture
def admin_api(admin_member):
    return token_client(admin_member, "write")
