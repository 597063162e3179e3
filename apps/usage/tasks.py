from __future__ import annotations

from celery import shared_task


@shared_task(name="usage.warm_cache", acks_late=True)
def usage_warm_cache_task() -> int:
    """Fill the cached top-SIM aggregates for the current usage data version (idempotent)."""
    from .selectors import usage_warm_cache

    return usage_warm_cache()
