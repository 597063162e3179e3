"""KORE OAuth2 against the sandbox playing KORE: the token endpoint's contract, one renewal on a 401 and no
loop, and the client secret never in a log line or an error."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import pytest

from apps.supersim import client as client_module
from apps.supersim.client import get_client
from apps.supersim.errors import SuperSimAuthError

pytestmark = pytest.mark.django_db(transaction=True)
as_kore = pytest.mark.parametrize("sandbox_provider", ["kore"], indirect=True)

SECRET = "kore-secret-Zq8v1NwP3r"


@pytest.fixture
def kore_api(seeded, settings):
    settings.SANDBOX_KORE_CLIENT_SECRET = SECRET
    settings.KORE_CLIENT_SECRET = SECRET
    return seeded


def test_the_default_token_url_is_kores_published_one():
    env = {k: v for k, v in os.environ.items() if k != "KORE_TOKEN_URL"}
    env.update(SUPERSIM_IGNORE_DOTENV="1", DJANGO_SETTINGS_MODULE="supersim_admin.settings")
    code = "import django; django.setup(); from django.conf import settings; print(settings.KORE_TOKEN_URL)"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "https://api.korewireless.com/api-services/v1/auth/token"


@as_kore
def test_a_refused_token_is_renewed_once_then_the_error_is_raised(kore_api, settings):
    client = get_client()
    assert len(client.fleets_list()) == 3
    settings.SANDBOX_TOKEN_TTL_SECONDS = 0  # from now on every token is expired when the API sees it
    tokens, calls = client.stats["token_requests"], client.stats["requests"]
    client_module._TOKENS[client._token_key()].value = "revoked"  # refused: renewed once, refused again
    with pytest.raises(SuperSimAuthError) as excinfo:
        client.fleets_list()
    assert excinfo.value.status == 401 and excinfo.value.code == 20003
    assert client.stats["token_requests"] == tokens + 1  # one renewal, no loop
    assert client.stats["requests"] == calls + 2  # the refused call and its one repetition


@as_kore
def test_the_client_secret_is_never_logged(kore_api, settings, caplog):
    caplog.set_level(logging.DEBUG)  # everything, urllib3's request lines included
    client = get_client()
    assert client.sims_list()
    settings.KORE_CLIENT_SECRET = SECRET + "-wrong"
    client_module.clear_token_cache()  # the cached token would still serve: make the client ask again
    with pytest.raises(SuperSimAuthError) as excinfo:
        get_client().sims_list()
    assert excinfo.value.status == 401
    assert "token request refused" in str(excinfo.value)
    for text in (caplog.text, str(excinfo.value), repr(excinfo.value), str(excinfo.value.as_dict())):
        assert SECRET not in text
    assert "token" in caplog.text.lower()  # the log did see the token requests
