"""Database session settings for the length of a sync run."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from django.db import connections

SQLITE_SYNC_CACHE_KIB = 256 * 1024  # SQLite page cache during a sync run (memory, allocated as it is used)
SQLITE_SYNC_WAL_PAGES = 20000  # SQLite WAL checkpoint interval during a sync run (pages; default 1000)


@contextlib.contextmanager
def relaxed_durability(using: str = "default") -> Iterator[None]:
    """Session settings for a sync run, restored after.

    Commits do not wait for the disk (at worst, after a power loss, the last pages written are lost and the
    next run writes them again - never an inconsistent row): PostgreSQL ``synchronous_commit = off``;
    SQLite in WAL mode ``PRAGMA synchronous = NORMAL`` (the WAL is synced at checkpoints, not at each
    commit) and checkpoints the WAL every ``SQLITE_SYNC_WAL_PAGES`` pages instead of every 1000 (a page of
    1000 random SIDs dirties hundreds of index pages). SQLite also gets a bigger page cache
    (``SQLITE_SYNC_CACHE_KIB``): random SID inserts into 100k-row indexes otherwise re-read the same pages.
    """
    connection = connections[using]
    vendor = connection.vendor
    if connection.in_atomic_block or vendor not in ("sqlite", "postgresql"):
        yield
        return
    restore: list[tuple[str, list]] = []
    with connection.cursor() as cursor:
        if vendor == "sqlite":
            cursor.execute("PRAGMA cache_size")
            restore.append((f"PRAGMA cache_size = {int(cursor.fetchone()[0])}", []))
            cursor.execute(f"PRAGMA cache_size = {-int(SQLITE_SYNC_CACHE_KIB)}")
            cursor.execute("PRAGMA journal_mode")
            if (
                str(cursor.fetchone()[0]).lower() == "wal"
            ):  # (a rollback journal stays FULL: NORMAL is unsafe)
                cursor.execute("PRAGMA synchronous")
                restore.append((f"PRAGMA synchronous = {int(cursor.fetchone()[0])}", []))
                cursor.execute("PRAGMA synchronous = NORMAL")
                cursor.execute("PRAGMA wal_autocheckpoint")
                restore.append((f"PRAGMA wal_autocheckpoint = {int(cursor.fetchone()[0])}", []))
                cursor.execute(f"PRAGMA wal_autocheckpoint = {int(SQLITE_SYNC_WAL_PAGES)}")
        else:
            cursor.execute("SHOW synchronous_commit")
            restore.append(("SELECT set_config('synchronous_commit', %s, false)", [cursor.fetchone()[0]]))
            cursor.execute("SELECT set_config('synchronous_commit', 'off', false)")
    try:
        yield
    finally:
        if restore and connection.connection is not None:
            with contextlib.suppress(Exception), connection.cursor() as cursor:
                for sql, params in restore:
                    cursor.execute(sql, params)
