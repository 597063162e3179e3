"""The API's documented limits per provider: the largest ``PageSize`` each list accepts.

``PAGE_SIZE_CAPS`` is THE table: one row per list operation of the Super SIM v1 API (the spec's path
template), one column per provider. It is the ``maximum`` of the ``PageSize`` parameter in each provider's
published OpenAPI file (``apps/sandbox/spec/twilio_supersim_v1.json`` and ``kore_supersim_v1.json``);
``apps/supersim/tests/test_limits.py`` derives it from those files and fails when they disagree. KORE
(commit of 2025-03-05) caps ``UsageRecords`` at 249 and ``IpCommands`` at 100; everything else is 1000.

:func:`page_size_cap` maps a request path (``"UsageRecords"``, ``"/v1/Sims/HS.../BillingPeriods"``, a full
URL) to its cap; an unknown path gets :data:`DEFAULT_CAP`.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

PROVIDERS = ("twilio", "kore")
DEFAULT_CAP = 1000

#: spec path template -> {provider: maximum PageSize}
PAGE_SIZE_CAPS: dict[str, dict[str, int]] = {
    "/v1/ESimProfiles": {"twilio": 1000, "kore": 1000},
    "/v1/Fleets": {"twilio": 1000, "kore": 1000},
    "/v1/IpCommands": {"twilio": 1000, "kore": 100},
    "/v1/NetworkAccessProfiles": {"twilio": 1000, "kore": 1000},
    "/v1/NetworkAccessProfiles/{NetworkAccessProfileSid}/Networks": {"twilio": 1000, "kore": 1000},
    "/v1/Networks": {"twilio": 1000, "kore": 1000},
    "/v1/SettingsUpdates": {"twilio": 1000, "kore": 1000},
    "/v1/Sims": {"twilio": 1000, "kore": 1000},
    "/v1/Sims/{SimSid}/BillingPeriods": {"twilio": 1000, "kore": 1000},
    "/v1/Sims/{SimSid}/IpAddresses": {"twilio": 1000, "kore": 1000},
    "/v1/SmsCommands": {"twilio": 1000, "kore": 1000},
    "/v1/UsageRecords": {"twilio": 1000, "kore": 249},
}

_TEMPLATES = [
    (re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"), caps)
    for template, caps in PAGE_SIZE_CAPS.items()
]


def _spec_path(path: str) -> str:
    """``"Sims"``, ``"/v1/Sims"``, ``"https://host/prefix/v1/Sims?x=1"`` -> ``"/v1/Sims"``."""
    if path.startswith(("http://", "https://")):
        path = urlsplit(path).path
    path = "/" + path.split("?", 1)[0].strip("/")
    if "/v1/" in path:
        return path[path.index("/v1/") :]
    return "/v1" + path


def page_size_cap(path: str, provider: str) -> int:
    """The largest PageSize ``provider`` accepts on the list at ``path`` (``DEFAULT_CAP`` if unknown)."""
    spec_path = _spec_path(path)
    for pattern, caps in _TEMPLATES:
        if pattern.match(spec_path):
            return caps.get(provider, DEFAULT_CAP)
    return DEFAULT_CAP
