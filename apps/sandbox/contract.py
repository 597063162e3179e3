"""Which provider the sandbox plays, and that provider's published contract (spec/*.json).

``SANDBOX_PROVIDER`` (read on every request, so a test may switch it): ``"twilio"`` (default) serves
Twilio's contract (``spec/twilio_supersim_v1.json``: HTTP Basic, every list up to PageSize 1000);
``"kore"`` serves KORE's (``spec/kore_supersim_v1.json``: OAuth2 bearer tokens only, per-list PageSize caps,
callbacks signed with ``kore-signature``). The PageSize caps are read from the spec file itself: the
``maximum`` of each list operation's ``PageSize`` parameter.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

from django.conf import settings

SPEC_DIR = Path(__file__).resolve().parent / "spec"
SPEC_FILES = {"twilio": "twilio_supersim_v1.json", "kore": "kore_supersim_v1.json"}
PROVIDERS = tuple(SPEC_FILES)
DEFAULT_PAGE_SIZE_MAX = 1000


def provider() -> str:
    """The provider the sandbox plays now: ``"twilio"`` or ``"kore"`` (anything else: ``"twilio"``)."""
    value = str(settings.SANDBOX_PROVIDER or "twilio").lower()
    return value if value in SPEC_FILES else "twilio"


def is_kore() -> bool:
    return provider() == "kore"


@cache
def spec(name: str) -> dict:
    """The parsed OpenAPI file of provider ``name``."""
    return json.loads((SPEC_DIR / SPEC_FILES[name]).read_text(encoding="utf-8"))


@cache
def _page_size_maxima(name: str) -> tuple[tuple[re.Pattern, int], ...]:
    out = []
    for template, item in spec(name)["paths"].items():
        for parameter in (item.get("get") or {}).get("parameters", []):
            if parameter.get("name") == "PageSize" and "maximum" in parameter.get("schema", {}):
                pattern = re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$")
                out.append((pattern, int(parameter["schema"]["maximum"])))
    return tuple(out)


def page_size_max(sub_path: str, name: str | None = None) -> int:
    """The largest PageSize the provider's spec allows on the list at ``sub_path`` (e.g. ``/v1/Sims``)."""
    for pattern, maximum in _page_size_maxima(name or provider()):
        if pattern.match(sub_path):
            return maximum
    return DEFAULT_PAGE_SIZE_MAX
