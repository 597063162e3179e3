"""The sandbox's unclaimed SIMs, read over HTTP like every other answer of the API (the product never
imports the sandbox): ``GET {SUPERSIM_API_BASE_URL}/_control/inventory``, with the client's credentials."""

from __future__ import annotations

from django.conf import settings

from apps.supersim.client import get_client


def sandbox_is_the_api() -> bool:
    """The embedded sandbox is served (``SANDBOX_ENABLED``) and the API client points at a sandbox."""
    return bool(settings.SANDBOX_ENABLED) and settings.SUPERSIM_API_BASE_URL.rstrip("/").endswith("/sandbox")


def sandbox_inventory(*, count: int = 20) -> dict:
    """``{"unclaimed": int, "sims": [{"iccid", "registration_code"}, ...]}``: the first ``count`` pairs no
    SIM has claimed yet. Raises :class:`apps.supersim.errors.SuperSimError` when the sandbox does not
    answer."""
    client = get_client()
    return client.fetch(client.config.base_url.rstrip("/") + "/_control/inventory", params={"count": count})
