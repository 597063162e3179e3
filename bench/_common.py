"""What every bench shares: its arguments, database names, percentiles, the load average and ``--json``.

Each bench is run by hand (``.venv/bin/python bench/<name>.py --help``). Common arguments:

* ``--sims`` / ``--fleets`` / ``--days``: the size, so the same bench runs at 100k and at 1M SIMs;
* ``--database-url``: the server to create the bench's throw-away databases on (default: DATABASE_URL, else a
  temporary SQLite file); their names are ``<--db-prefix>_<bench>_<pid>`` (never one another run uses);
* ``--redis-url``: Redis for the benches that run one (its database number in the URL; '' for none);
* ``--port``: the first local port of the servers a bench starts (0: free ones);
* ``--json PATH``: every figure and ratio as ONE flat JSON object (``{"sim list p95 ms": 12.3, ...}``), for a
  script (``bench/scale.py``) to read.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import socket
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def parser(description: str, *, sims: int, fleets: int, days: int | None = None) -> argparse.ArgumentParser:
    """An ArgumentParser with the common arguments (see the module) and the bench's default sizes."""
    p = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sims", type=int, default=sims, help=f"SIMs (default {sims:,})")
    p.add_argument("--fleets", type=int, default=fleets, help=f"fleets (default {fleets:,})")
    if days is not None:
        p.add_argument("--days", type=int, default=days, help=f"days of usage (default {days})")
    p.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""), help="default: DATABASE_URL")
    p.add_argument("--db-prefix", default="bench", help="prefix of the databases created (+ _<bench>_<pid>)")
    p.add_argument("--redis-url", default="", help="e.g. redis://127.0.0.1:6379/6 ('' for none)")
    p.add_argument("--port", type=int, default=0, help="first port of the local servers started (0: free)")
    p.add_argument("--json", metavar="PATH", help="write every figure as one flat JSON object")
    return p


def setup_environment(args) -> None:
    """Environment for ``django.setup()`` from the arguments (before Django is imported)."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supersim_admin.settings")
    os.environ["SUPERSIM_IGNORE_DOTENV"] = "1"
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    if args.redis_url:
        os.environ["REDIS_URL"] = args.redis_url
    else:
        os.environ.pop("REDIS_URL", None)


def db_name(args, bench: str) -> str:
    """``<prefix>_<bench>_<pid>``: the name of this run's database."""
    return f"{args.db_prefix}_{bench}_{os.getpid()}"


_next_port = {"value": 0}


def port(args) -> int:
    """The next port from ``--port`` (consecutive), or a free one."""
    if args.port:
        value = args.port + _next_port["value"]
        _next_port["value"] += 1
        return value
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values, p: float) -> float:
    """Nearest-rank percentile (``p`` in 0..100) of ``values``: a value that was measured."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


class Figures(dict):
    """The flat ``{"name unit": number}`` of one run; ``write(path)`` adds the machine's context (CPUs, the
    load average when the run started and when it ended) and saves it."""

    def __init__(self):
        super().__init__()
        self.load_before = os.getloadavg()

    def write(self, path: str | None) -> None:
        if not path:
            return
        out = {
            "cpu count": os.cpu_count(),
            "load average 1m before": self.load_before[0],
            "load average 1m after": os.getloadavg()[0],
            **self,
        }
        Path(path).write_text(json.dumps({k: _plain(v) for k, v in out.items()}, indent=1, sort_keys=True))
        print(f"figures written to {path}")


def _plain(value):
    if isinstance(value, float):
        return round(value, 4)
    return value
