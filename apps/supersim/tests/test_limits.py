"""The client's PageSize caps: one table, equal to what the providers' published spec files say."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from apps.supersim.client import ClientConfig, SuperSimClient, provider_of
from apps.supersim.limits import PAGE_SIZE_CAPS, PROVIDERS, page_size_cap

SPEC_DIR = Path(__file__).resolve().parents[2] / "sandbox" / "spec"
SPEC_FILES = {"twilio": "twilio_supersim_v1.json", "kore": "kore_supersim_v1.json"}


def caps_from_spec(provider: str) -> dict[str, int]:
    spec = json.loads((SPEC_DIR / SPEC_FILES[provider]).read_text())
    return {
        path: int(p["schema"]["maximum"])
        for path, item in spec["paths"].items()
        for p in (item.get("get") or {}).get("parameters", [])
        if p["name"] == "PageSize"
    }


@pytest.mark.parametrize("provider", PROVIDERS)
def test_the_table_is_the_spec_files(provider):
    assert {path: caps[provider] for path, caps in PAGE_SIZE_CAPS.items()} == caps_from_spec(provider)


def test_kore_caps_usage_records_and_ip_commands():
    assert page_size_cap("UsageRecords", "kore") == 249
    assert page_size_cap("/v1/IpCommands", "kore") == 100
    assert page_size_cap("https://supersim.api.korewireless.com/v1/IpCommands?Sim=x", "kore") == 100
    assert page_size_cap("http://127.0.0.1:8000/sandbox/v1/UsageRecords", "kore") == 249
    assert page_size_cap("Sims", "kore") == 1000
    assert page_size_cap(f"Sims/HS{'0' * 32}/BillingPeriods", "kore") == 1000
    assert page_size_cap(f"NetworkAccessProfiles/HA{'0' * 32}/Networks", "kore") == 1000
    assert page_size_cap("UsageRecords", "twilio") == 1000
    assert page_size_cap("IpCommands", "twilio") == 1000


def test_the_provider_follows_the_configuration():
    assert provider_of("https://supersim.twilio.com", "basic") == "twilio"
    assert provider_of("https://supersim.api.korewireless.com", "basic") == "kore"
    assert provider_of("http://127.0.0.1:8000/sandbox", "kore") == "kore"
    assert provider_of("http://127.0.0.1:8000/sandbox", "basic") == "twilio"
    kore = SuperSimClient(ClientConfig(base_url="https://supersim.api.korewireless.com", provider="kore"))
    assert kore.page_size_cap("UsageRecords") == 249
    twilio = SuperSimClient(ClientConfig(base_url="https://supersim.twilio.com"))
    assert twilio.page_size_cap("UsageRecords") == 1000
