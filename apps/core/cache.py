"""Answers cached under a data version, and tolerant of the cache being unreachable.

* :func:`cached_value` - ``compute()`` through the cache; when the cache (Redis) is down the answer is
  computed, so the pages that show it keep answering during an outage.
* :func:`data_version` / :func:`data_changed` - a version token per data set (e.g. ``"sims"``), kept in the
  cache and replaced by the write paths of that data; keys built with it go stale at once on a change.
  With a per-process cache (locmem, no Redis) other processes do not see the change: callers also give
  their entries a short timeout.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

from django.core.cache import cache

logger = logging.getLogger(__name__)


def cached_value(key: str, compute: Callable[[], Any], timeout: float) -> Any:
    try:
        value = cache.get(key)
    except Exception:  # noqa: BLE001 - the cache backend's own errors (redis.ConnectionError, ...)
        logger.warning("cache unreachable: computing %s", key)
        return compute()
    if value is None:
        value = compute()
        try:
            cache.set(key, value, timeout)
        except Exception:  # noqa: BLE001 - as above: the answer is still right, only not cached
            logger.warning("cache unreachable: %s not cached", key)
    return value


def data_version(name: str) -> str:
    try:
        return cache.get(f"dataver:{name}") or "0"
    except Exception:  # noqa: BLE001 - unreachable: a version nobody has written under
        return uuid.uuid4().hex


def data_changed(name: str) -> None:
    try:
        cache.set(f"dataver:{name}", uuid.uuid4().hex[:16], None)
    except Exception:  # noqa: BLE001 - unreachable: nothing is being served from it either
        logger.warning("cache unreachable: version of %s not bumped", name)
