"""The client over real HTTP against the sandbox (live_server): paging, auth, retries, errors."""

from __future__ import annotations

import socket
import time

import pytest

from apps.supersim import client as client_module
from apps.supersim.client import get_client, params
from apps.supersim.errors import (
    SuperSimAuthError,
    SuperSimClientError,
    SuperSimError,
    SuperSimNetworkError,
    SuperSimRateLimitError,
    SuperSimServerError,
)

from .conftest import faults

pytestmark = pytest.mark.django_db(transaction=True)


def test_paging_follows_next_page_url(seeded, settings):
    client = get_client()
    everything = client.list("Sims")
    assert len(everything) == 25
    pages = list(client.iter_pages("/v1/Sims", page_size=7))
    assert [p.number for p in pages] == [0, 1, 2, 3]
    assert [len(p.items) for p in pages] == [7, 7, 7, 4]
    assert {p.key for p in pages} == {"sims"}
    assert all("/sandbox/v1/Sims" in p.url for p in pages)
    assert [s["sid"] for p in pages for s in p.items] == [s["sid"] for s in everything]
    # the background prefetch gives the same pages in the same order
    prefetched = list(client.iter_pages("Sims", page_size=7, prefetch=2))
    assert [s["sid"] for p in prefetched for s in p.items] == [s["sid"] for s in everything]
    # transform: each page's items replaced (in the prefetch thread when prefetching)
    for prefetch in (0, 2):
        sids = list(
            client.iter_pages(
                "Sims",
                page_size=7,
                prefetch=prefetch,
                transform=lambda items: [item["sid"] for item in items],
            )
        )
        assert [sid for p in sids for sid in p.items] == [s["sid"] for s in everything]
    # filters are passed as Twilio parameters; typed wrappers
    fleet = client.fleets_list()[0]["sid"]
    in_fleet = client.sims_list(fleet=fleet)
    assert in_fleet and all(s["fleet_sid"] == fleet for s in in_fleet)
    assert client.sim_fetch(in_fleet[0]["sid"])["sid"] == in_fleet[0]["sid"]
    assert client.last_status == 200


def test_params_are_pascal_case():
    assert params(unique_name="x", data_limit=5, sms_commands_enabled=True, fleet=None) == {
        "UniqueName": "x",
        "DataLimit": 5,
        "SmsCommandsEnabled": "true",
    }


def test_auth_basic_account_and_api_key(seeded, settings):
    assert get_client().list("Fleets")
    settings.TWILIO_API_KEY = settings.SANDBOX_API_KEY
    settings.TWILIO_API_SECRET = settings.SANDBOX_API_SECRET
    client = get_client()
    assert client.config.username == settings.SANDBOX_API_KEY
    assert len(client.list("Fleets")) == 3
    settings.TWILIO_API_SECRET = "wrong"
    with pytest.raises(SuperSimAuthError) as excinfo:
        get_client().list("Fleets")
    assert excinfo.value.status == 401
    assert excinfo.value.code == 20003
    assert not excinfo.value.retryable


@pytest.fixture
def kore(seeded, settings):
    settings.SUPERSIM_AUTH_MODE = "kore"
    settings.KORE_TOKEN_URL = f"{seeded}/oauth2/token"
    settings.KORE_CLIENT_ID = settings.SANDBOX_KORE_CLIENT_ID
    settings.KORE_CLIENT_SECRET = settings.SANDBOX_KORE_CLIENT_SECRET
    client_module.clear_token_cache()
    yield get_client()
    client_module.clear_token_cache()


def test_kore_bearer_token_cached_and_renewed(kore, settings):
    client = kore
    assert client.session.auth is None
    assert len(client.list("Fleets")) == 3
    assert len(client.list("Sims")) == 25
    assert client.stats["token_requests"] == 1  # cached
    key = client._token_key()

    # the API refuses the token (revoked/expired early): renewed once on the 401, the call succeeds
    client_module._TOKENS[key].value = "revoked-token"
    assert client.fleets_list()
    assert client.stats["token_requests"] == 2
    assert client_module._TOKENS[key].value != "revoked-token"

    # near its expiry: renewed BEFORE the call
    client_module._TOKENS[key].expires_at = time.monotonic() + 5  # inside the 60 s renew margin
    assert client.fleets_list()
    assert client.stats["token_requests"] == 3

    # a thread-shared cache: another client with the same config reuses the token
    other = client_module.SuperSimClient(client.config)
    assert other.fleets_list()
    assert other.stats["token_requests"] == 0


def test_kore_bad_client_credentials(kore, settings):
    settings.KORE_CLIENT_SECRET = "wrong"
    with pytest.raises(SuperSimAuthError) as excinfo:
        get_client().fleets_list()
    assert excinfo.value.status == 401
    assert "token request refused" in str(excinfo.value)


def test_429_is_retried_honouring_retry_after(seeded, settings):
    settings.SUPERSIM_RETRY_AFTER_MAX = 0.2
    settings.SUPERSIM_RETRY_BACKOFF = 0.001
    settings.SUPERSIM_MAX_RETRIES = 2
    client = get_client()
    faults(seeded, rate_429=1.0, retry_after=1)
    started = time.monotonic()
    with pytest.raises(SuperSimRateLimitError) as excinfo:
        client.fleets_list()
    elapsed = time.monotonic() - started
    assert excinfo.value.status == 429 and excinfo.value.code == 20429
    assert excinfo.value.retry_after == 1.0
    assert excinfo.value.retryable
    assert client.stats["retries"] == 2
    assert elapsed >= 0.4  # waited Retry-After (capped at 0.2 s) twice, not the 1 ms backoff

    # a POST is retried on 429 too (never processed): 50% of requests refused, all calls succeed
    settings.SUPERSIM_MAX_RETRIES = 10
    client = get_client()
    faults(seeded, rate_429=0.5, seed=3)
    fleet = client.fleets_list()[0]
    for i in range(4):
        updated = client.fleet_update(fleet["sid"], unique_name=f"renamed-{i}")
        assert updated["unique_name"] == f"renamed-{i}"
    assert client.stats["retries"] > 0


def test_500_retried_on_get_not_on_post(seeded, settings):
    settings.SUPERSIM_MAX_RETRIES = 2
    client = get_client()
    fleet = client.fleets_list()[0]
    faults(seeded, rate_500=1.0)
    before = client.stats["requests"]
    with pytest.raises(SuperSimServerError) as excinfo:
        client.fleet_fetch(fleet["sid"])
    assert client.stats["requests"] - before == 3
    assert excinfo.value.status == 500 and excinfo.value.retryable

    before = client.stats["requests"]
    with pytest.raises(SuperSimServerError):
        client.fleet_update(fleet["sid"], unique_name="never")
    assert client.stats["requests"] - before == 1  # a POST may have happened: not repeated

    # 30% of GETs fail: the list still comes back whole
    settings.SUPERSIM_MAX_RETRIES = 8
    faults(seeded, rate_500=0.3, seed=11)
    client = get_client()
    assert len([s for p in client.iter_pages("Sims", page_size=2) for s in p.items]) == 25
    assert client.stats["retries"] > 0


def test_error_parsing(seeded):
    client = get_client()
    with pytest.raises(SuperSimClientError) as excinfo:
        client.sim_fetch("HS" + "0" * 32)
    err = excinfo.value
    assert err.status == 404 and err.code == 20404 and err.is_not_found
    assert "20404" in err.more_info
    assert str(err).startswith("20404: ") and str(err).endswith("(HTTP 404)")
    assert not err.retryable

    # a SIM with no fleet cannot be activated: Twilio's 83xxx business errors
    sim = next(s for s in client.sims_list() if not s["fleet_sid"] and s["status"] in ("new", "ready"))
    with pytest.raises(SuperSimClientError) as excinfo:
        client.sim_update(sim["sid"], status="active")
    assert excinfo.value.status == 400
    assert 83000 <= excinfo.value.code < 84000
    assert str(excinfo.value) == f"{excinfo.value.code}: {excinfo.value.message} (HTTP 400)"


def test_answer_that_is_not_json(live_server, settings, fast_retries, db):
    settings.SUPERSIM_API_BASE_URL = live_server.url + "/accounts"  # HTML pages, not the API
    with pytest.raises(SuperSimError) as excinfo:
        get_client().fetch(live_server.url + "/accounts/login/")  # a 200 HTML page (a captive proxy, say)
    assert (excinfo.value.status, excinfo.value.code) == (200, None)
    with pytest.raises(SuperSimError) as excinfo:
        get_client().fetch("login/")  # /accounts/v1/login/: Django's HTML 404 page
    assert (excinfo.value.status, excinfo.value.code) == (404, None)


def test_timeout_and_connection_errors(seeded, settings):
    settings.SUPERSIM_READ_TIMEOUT = 0.3
    settings.SUPERSIM_MAX_RETRIES = 1
    client = get_client()
    faults(seeded, delay_ms=800)
    before = client.stats["requests"]
    with pytest.raises(SuperSimNetworkError) as excinfo:
        client.fleets_list()
    assert client.stats["requests"] - before == 2  # a GET is retried once
    assert excinfo.value.status == 0 and excinfo.value.code is None and excinfo.value.retryable
    assert "timed out" in str(excinfo.value)
    faults(seeded, clear=True)

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.SUPERSIM_API_BASE_URL = f"http://127.0.0.1:{port}"
    with pytest.raises(SuperSimNetworkError) as excinfo:
        get_client().fleets_list()
    assert "connection failed" in str(excinfo.value)
    assert str(excinfo.value).startswith("GET ")


def test_get_client_follows_settings(settings):
    settings.SUPERSIM_API_BASE_URL = "http://127.0.0.1:1/a"
    first = get_client()
    assert get_client() is first
    settings.SUPERSIM_API_BASE_URL = "http://127.0.0.1:1/b"
    second = get_client()
    assert second is not first
    assert second.url("Sims") == "http://127.0.0.1:1/b/v1/Sims"
    assert second.url("/v1/Sims/HS1") == "http://127.0.0.1:1/b/v1/Sims/HS1"
