"""A throw-away Django test database for a benchmark run by hand (bench/pages.py, usage.py, upsert.py)."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def throwaway_database(name: str) -> Iterator[str]:
    """``django.setup()`` with DEBUG off (no query log, as in production), then a test database of the
    bench's own for the block - a temporary SQLite file, or ``test_bench_<name>_<pid>`` on the server of
    DATABASE_URL (never the one the test suite or another bench is using) - destroyed after. Yields its name.
    """
    import django
    from django.conf import settings

    django.setup()
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["*"]
    tmpdir = tempfile.mkdtemp(prefix=f"bench-{name}-")
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        db.setdefault("TEST", {})["NAME"] = str(Path(tmpdir) / "bench.sqlite3")
    else:
        db.setdefault("TEST", {})["NAME"] = f"test_bench_{name}_{os.getpid()}"
    from django.db import connection

    test_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        yield test_name
    finally:
        connection.creation.destroy_test_db(test_name, verbosity=0)
        shutil.rmtree(tmpdir, ignore_errors=True)
