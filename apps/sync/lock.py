"""One sync per resource at a time, with a lock that a killed worker cannot hold forever.

With ``REDIS_URL``: a redis-py ``Lock`` (``SET NX PX`` + token), ``timeout`` seconds, extended per page.
Without: a :class:`apps.sync.models.SyncLock` row with an expiry, taken by an atomic conditional ``UPDATE``
(free or expired -> mine). Both expose the same small interface: ``acquire() -> bool``, ``extend() -> bool``
(False = the lock was lost: it expired and someone else may hold it), ``release()``, ``token``, and
:func:`lock_held_by` to tell whether a token still holds a lock (used to find runs left by a dead worker).
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from datetime import timedelta
from functools import lru_cache

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from .models import SyncLock

PREFIX = "supersim:sync:"
logger = logging.getLogger(__name__)


def lock_timeout() -> float:
    return float(getattr(settings, "SYNC_LOCK_TIMEOUT", 600))


@lru_cache(maxsize=4)
def _redis(url: str):
    import redis

    return redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=10)


class RedisSyncLock:
    backend = "redis"

    def __init__(self, name: str, timeout: float | None = None):
        self.name = name
        self.timeout = timeout or lock_timeout()
        self.token = uuid.uuid4().hex
        self._lock = _redis(settings.REDIS_URL).lock(PREFIX + name, timeout=self.timeout, blocking=False)

    def acquire(self) -> bool:
        return bool(self._lock.acquire(blocking=False, token=self.token))

    def extend(self) -> bool:
        from redis.exceptions import LockError

        try:
            return bool(self._lock.extend(self.timeout, replace_ttl=True))
        except LockError:
            return False

    def release(self) -> None:
        """Give the lock back; when Redis is unreachable it simply expires (its timeout)."""
        from redis.exceptions import RedisError

        with contextlib.suppress(RedisError):  # LockError (not ours any more) or Redis down
            self._lock.release()

    @staticmethod
    def held_by(name: str, token: str) -> bool:
        """Whether ``token`` holds the lock; when Redis cannot be reached the answer is unknown and taken as
        yes: the Sync page (``mark_stale_runs``) then keeps answering and fails no run that may be alive."""
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError

        try:
            value = _redis(settings.REDIS_URL).get(PREFIX + name)
        except (RedisConnectionError, RedisTimeoutError):
            logger.warning("sync lock %s: Redis unreachable, treating the lock as held", name)
            return True
        return value is not None and value.decode() == token


class DatabaseSyncLock:
    backend = "db"

    def __init__(self, name: str, timeout: float | None = None):
        self.name = name
        self.timeout = timeout or lock_timeout()
        self.token = uuid.uuid4().hex

    def _expiry(self):
        return timezone.now() + timedelta(seconds=self.timeout)

    def acquire(self) -> bool:
        now = timezone.now()
        if not SyncLock.objects.filter(name=self.name).exists():
            try:
                with transaction.atomic():
                    SyncLock.objects.create(name=self.name, owner="", expires_at=now)
            except IntegrityError:
                pass  # created by someone else meanwhile
        taken = (
            SyncLock.objects.filter(name=self.name)
            .filter(Q(owner="") | Q(expires_at__lt=now) | Q(expires_at__isnull=True))
            .update(owner=self.token, expires_at=self._expiry())
        )
        return taken == 1

    def extend(self) -> bool:
        now = timezone.now()
        # still mine AND not expired (an expired lock may have been taken and released by someone else)
        return (
            SyncLock.objects.filter(name=self.name, owner=self.token, expires_at__gte=now).update(
                expires_at=self._expiry()
            )
            == 1
        )

    def release(self) -> None:
        SyncLock.objects.filter(name=self.name, owner=self.token).update(owner="", expires_at=timezone.now())

    @staticmethod
    def held_by(name: str, token: str) -> bool:
        return SyncLock.objects.filter(name=name, owner=token, expires_at__gte=timezone.now()).exists()


def lock_class():
    return RedisSyncLock if getattr(settings, "REDIS_URL", "") else DatabaseSyncLock


def make_lock(name: str, timeout: float | None = None):
    return lock_class()(name, timeout)


def lock_held_by(name: str, token: str) -> bool:
    if not token:
        return False
    return lock_class().held_by(name, token)
