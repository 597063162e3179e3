"""Run the test suite in its three tiers (called by ``make test``).

1. SQLite + eager Celery: everything but the worker and browser tests.
2. PostgreSQL + Redis + a real Celery worker: the whole suite but the browser tests.
3. Headless Chromium (Playwright) against a live server: the browser tests.

On a laptop a tier whose services are missing is reported and left out; with SUPERSIM_REQUIRE_ALL_TIERS=1
(CI) it is a failure. Each tier is split over ``TEST_PROCESSES`` processes (default: the cores, at most
4; ``TEST_PROCESSES=1`` runs it in one). Extra arguments are passed to pytest (``make test ARGS="-k sims"``).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time

REQUIRE = os.environ.get("SUPERSIM_REQUIRE_ALL_TIERS", "") not in ("", "0", "false")
PG_URL = os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/supersim")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
#: test processes per tier (pytest-xdist); each has its own test database and Redis database
#: (apps/core/testing.py), so they share nothing but the machine
PROCESSES = int(os.environ.get("TEST_PROCESSES") or min(os.cpu_count() or 1, 4))


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def pytest(args: list[str], env_extra: dict[str, str], title: str) -> int:
    env = {**os.environ, "SUPERSIM_IGNORE_DOTENV": "1", **env_extra}
    for name in ("DATABASE_URL", "REDIS_URL"):
        if name not in env_extra:
            env.pop(name, None)
    print(f"\n=== {title} ===", flush=True)
    started = time.time()
    split = ["-n", str(PROCESSES)] if PROCESSES > 1 else []
    code = subprocess.call([sys.executable, "-m", "pytest", *split, *args], env=env)
    print(f"=== {title}: exit {code} in {time.time() - started:.0f}s ===", flush=True)
    return code


def main() -> int:
    extra = sys.argv[1:]
    failures: list[str] = []
    missing: list[str] = []

    if pytest(["-m", "not worker and not browser", *extra], {}, "tier 1: SQLite, eager tasks") != 0:
        failures.append("tier 1")

    if port_open("127.0.0.1", 5432) and port_open("127.0.0.1", 6379):
        env = {"DATABASE_URL": PG_URL, "REDIS_URL": REDIS_URL}
        if pytest(["-m", "not browser", *extra], env, "tier 2: PostgreSQL + Redis + Celery worker") != 0:
            failures.append("tier 2")
    else:
        missing.append("tier 2 (needs PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379)")

    if shutil.which(CHROMIUM) or os.path.exists(CHROMIUM):
        if pytest(["-m", "browser", *extra], {}, "tier 3: headless Chromium") != 0:
            failures.append("tier 3")
    else:
        missing.append(f"tier 3 (needs Chromium at {CHROMIUM}: apt-get install chromium)")

    for tier in missing:
        print(f"NOT RUN: {tier}", flush=True)
    if failures:
        print(f"FAILED: {', '.join(failures)}", flush=True)
        return 1
    if missing and REQUIRE:
        print("FAILED: SUPERSIM_REQUIRE_ALL_TIERS is set and some tiers could not run", flush=True)
        return 1
    print("all tiers that could run passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
