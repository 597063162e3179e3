"""One sync per resource at a time, with a lock that a killed worker cannot hold for long.

With ``REDIS_URL``: a redis-py ``Lock`` (``SET NX PX`` + token), ``timeout`` seconds.
Without: a :class:`apps.sync.models.SyncLock` row with an expiry, taken by an atomic conditional ``UPDATE``
(free or expired -> mine). Both expose the same small interface: ``acquire() -> bool``, ``extend() -> bool``
(False = the lock was lost: it expired and someone else may hold it), ``release()``, ``token``, and
:func:`lock_held_by` to tell whether a token still holds a lock (used to find runs left by a dead worker).

The timeout is short (``SYNC_LOCK_TIMEOUT``, 20 s): a running sync keeps its lock alive with a
:class:`Heartbeat` thread that extends it every quarter of the timeout, however long a page takes; a lock
whose holder stopped beating (a killed worker) expires within the timeout and is taken by the next run.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import uuid
from collections.abc import Callable
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
    return float(settings.SYNC_LOCK_TIMEOUT)


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
        # not thread-local: the Heartbeat thread extends the lock the run's thread took
        self._lock = _redis(settings.REDIS_URL).lock(
            PREFIX + name, timeout=self.timeout, blocking=False, thread_local=False
        )

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
    def held_by(name: str, token: str) -> bool | None:
        """Whether ``token`` holds the lock; None when Redis cannot be reached (unknown)."""
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError

        try:
            value = _redis(settings.REDIS_URL).get(PREFIX + name)
        except (RedisConnectionError, RedisTimeoutError):
            logger.warning("sync lock %s: Redis unreachable, the lock's holder is unknown", name)
            return None
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
    def held_by(name: str, token: str) -> bool | None:
        return SyncLock.objects.filter(name=name, owner=token, expires_at__gte=timezone.now()).exists()


def lock_class():
    return RedisSyncLock if settings.REDIS_URL else DatabaseSyncLock


def make_lock(name: str, timeout: float | None = None):
    return lock_class()(name, timeout)


def lock_state(name: str, token: str) -> bool | None:
    """Whether ``token`` holds lock ``name``: True, False, or None when the lock service cannot be reached."""
    if not token:
        return False
    return lock_class().held_by(name, token)


def lock_held_by(name: str, token: str) -> bool:
    """Whether ``token`` holds lock ``name``; unknown (Redis unreachable) is taken as yes, so that nothing
    is started twice on a guess (:func:`apps.sync.services.mark_stale_runs` looks at the heartbeat then)."""
    return lock_state(name, token) is not False


class Heartbeat:
    """Keeps ``lock`` alive while a run works: a daemon thread calls ``lock.extend()`` every
    ``timeout / 4`` seconds, then ``beat()`` (the run records its ``heartbeat_at``).

    ``lost`` becomes True when the lock is no longer ours (``extend()`` answered False: it expired and may be
    held by another run) or when no extension succeeded for a whole timeout (Redis unreachable: the lock has
    expired by then); the run checks it after each page and before its sweep. An error in one beat (a
    Redis or database blip) is logged and the next beat tries again. Use as a context manager; the thread
    closes its own database connections when it stops.
    """

    def __init__(self, lock, beat: Callable[[], None] | None = None, interval: float | None = None):
        self.lock = lock
        self.beat = beat
        self.interval = interval if interval is not None else lock.timeout / 4
        self.lost = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"sync-heartbeat-{lock.name}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop beating (returns once the thread is done; a no-op when it never started)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)

    def _run(self) -> None:
        from django.db import connections

        extended = time.monotonic()
        try:
            while not self._stop.wait(self.interval):
                try:
                    if not self.lock.extend():
                        self.lost = True
                        return
                    extended = time.monotonic()
                except Exception:  # noqa: BLE001 - a blip: the next beat tries again
                    logger.warning("sync lock %s: cannot extend it", self.lock.name, exc_info=True)
                    if time.monotonic() - extended >= self.lock.timeout:
                        self.lost = True  # expired by now: someone else may hold it
                        return
                    continue
                if self.beat is not None:
                    try:
                        self.beat()
                    except Exception:  # noqa: BLE001 - the lock is what guards the run; retried next beat
                        logger.warning("sync lock %s: heartbeat not recorded", self.lock.name, exc_info=True)
        finally:
            connections.close_all()  # this thread's own connections
