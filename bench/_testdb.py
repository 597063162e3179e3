"""Throw-away Django test databases for a benchmark run by hand (bench/pages.py, usage.py, upsert.py)."""

from __future__ import annotations

import contextlib
import copy
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def throwaway_database(
    name: str, *, prefix: str = "test_bench", aliases: tuple[str, ...] = ()
) -> Iterator[str]:
    """``django.setup()`` with DEBUG off (no query log, as in production), then a test database of the
    bench's own for the block - a temporary SQLite file, or ``<prefix>_<name>_<pid>`` on the server of
    DATABASE_URL (never the one the test suite or another bench is using) - destroyed after. Yields its name.

    ``aliases``: more databases beside ``default`` (same server, ``..._<alias>`` names), each migrated, for
    a bench that measures two sizes side by side (``bench/pages.py`` routes each request to one of them).
    """
    import django
    from django.conf import settings

    django.setup()
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["*"]
    from django.db import connections

    tmpdir = tempfile.mkdtemp(prefix=f"bench-{name}-")
    default = connections.settings["default"]
    for alias in aliases:
        connections.settings[alias] = copy.deepcopy(default)
        settings.DATABASES[alias] = connections.settings[alias]
    created = []
    try:
        for alias in ("default", *aliases):
            db = connections.settings[alias]
            suffix = "" if alias == "default" else f"_{alias}"
            if db["ENGINE"].endswith("sqlite3"):
                db.setdefault("TEST", {})["NAME"] = str(Path(tmpdir) / f"bench{suffix}.sqlite3")
            else:
                db.setdefault("TEST", {})["NAME"] = f"{prefix}_{name}_{os.getpid()}{suffix}"
            conn = connections[alias]
            created.append(
                (conn, conn.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False))
            )
        yield created[0][1]
    finally:
        for conn, test_name in reversed(created):
            conn.creation.destroy_test_db(test_name, verbosity=0)
        shutil.rmtree(tmpdir, ignore_errors=True)
