"""A full sync pages within each provider's PageSize caps (KORE: UsageRecords 249, IpCommands 100) at the
default page size, and a KORE sync refreshes its bearer token when it expires."""

from __future__ import annotations

import io
import math
import time

import pytest
from django.core.management import call_command

from apps.commands.models import IpCommand
from apps.supersim.client import get_client
from apps.sync import services
from apps.sync.models import SyncRun
from apps.usage.models import UsageRecord

pytestmark = pytest.mark.django_db(transaction=True)

RESOURCES = ["networks", "naps", "nap_networks", "fleets", "sims", "ip_commands", "usage"]
IP_COMMANDS = 130
CAPS = {"twilio": {"ip_commands": 1000, "usage": 1000}, "kore": {"ip_commands": 100, "usage": 249}}


@pytest.fixture
def big_lists(sandbox_api, settings):
    """30 active-or-not SIMs with 10 days of daily usage (30 x 11 > 249 Group=sim records) and 130 IP
    commands (> 100) in the sandbox; the client at its default page size (1000)."""
    from apps.sandbox import api as sandbox_api_module
    from apps.sandbox.models import IpCommand as SandboxIpCommand
    from apps.sandbox.models import Sim as SandboxSim

    settings.SUPERSIM_RETRY_BACKOFF = 0.01
    settings.SUPERSIM_MAX_RETRIES = 1
    settings.SYNC_USAGE_INITIAL_DAYS = 10
    settings.SYNC_USAGE_HOURLY_DAYS = 1
    call_command("sandbox_seed", sims=30, fleets=3, seed=11, inventory=2, stdout=io.StringIO())
    SandboxSim.objects.update(status="active")
    sims = list(SandboxSim.objects.order_by("pk"))
    at = sandbox_api_module.now()
    SandboxIpCommand.objects.bulk_create(
        SandboxIpCommand(
            sid=f"HG{i:032x}",
            sim=sims[i % len(sims)],
            payload="ping",
            device_port=4000,
            status="received",
            date_created=at,
            date_updated=at,
        )
        for i in range(IP_COMMANDS)
    )
    return sandbox_api


@pytest.mark.providers
def test_a_full_sync_pages_within_the_providers_caps(big_lists, sandbox_provider, settings):
    assert settings.SUPERSIM_PAGE_SIZE == 1000
    client = get_client()
    assert client.config.provider == sandbox_provider
    runs = {r.resource: r for r in services.sync_all(runs=services.runs_create(resources=RESOURCES))}
    assert {name: run.status for name, run in runs.items()} == dict.fromkeys(
        RESOURCES, SyncRun.Status.SUCCEEDED
    ), [(r.resource, r.error) for r in runs.values()]
    caps = CAPS[sandbox_provider]
    upstream = len(client.ip_commands_list())
    assert IpCommand.objects.count() == upstream > IP_COMMANDS
    assert runs["ip_commands"].pages == math.ceil(upstream / caps["ip_commands"])  # 1 or 2
    sim_days = UsageRecord.objects.filter(group="sim", granularity="day").count()
    usage = runs["usage"]
    upstream = client.usage_records(
        group="sim", granularity="day", start_time=usage.window_start, end_time=usage.window_end
    )
    assert sim_days == len(upstream) > 249
    # 9 queries (Group=sim daily; 4 other groups daily and hourly) of one page each at PageSize 1000;
    # KORE's 249 splits the Group=sim one (330 records) and the larger hourly groups in several pages
    if sandbox_provider == "twilio":
        assert runs["usage"].pages == 9
    else:
        assert runs["usage"].pages >= 8 + math.ceil(sim_days / caps["usage"])


@pytest.mark.parametrize("sandbox_provider", ["kore"], indirect=True)
def test_a_kore_sync_uses_a_short_lived_token_and_renews_it_before_expiry(big_lists, settings):
    """A token shorter-lived than SUPERSIM_TOKEN_RENEW_MARGIN (60 s) is used, not fetched anew for every
    call; it is renewed before it expires (at half its life), never after a refused call."""
    from apps.supersim import client as client_module

    settings.SANDBOX_TOKEN_TTL_SECONDS = 20
    client = get_client()
    tokens_before = client.stats["token_requests"]  # the client (and its counters) outlives a test
    for _ in range(2):
        runs = services.sync_all(runs=services.runs_create(resources=["networks", "naps", "fleets"]))
        assert all(r.status == SyncRun.Status.SUCCEEDED for r in runs)
    assert client.stats["token_requests"] == tokens_before + 1
    token = client_module._TOKENS[client._token_key()]
    token.expires_at = time.monotonic() + 5  # 15 s later: less than half of its 20 s left
    requests_before = client.stats["requests"]
    runs = services.sync_all(runs=services.runs_create(resources=["fleets"]))
    assert runs[0].status == SyncRun.Status.SUCCEEDED and runs[0].pages == 1
    assert client.stats["token_requests"] == tokens_before + 2  # renewed before the call...
    assert client.stats["requests"] == requests_before + 1  # ...so no call was refused and repeated
    assert client_module._TOKENS[client._token_key()].value != token.value
