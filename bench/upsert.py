"""Bulk upsert throughput: 100 pages x 1000 synthetic SIMs, first created, then unchanged, then 10% changed.

Each pass is what the sync engine does: ``sims_upsert(..., seen=keys)`` per page (unchanged rows are not
written, their keys are kept in memory), then ``sims_sweep(..., seen=keys)`` (one streamed query of the live
keys, set difference). ``--stamp`` measures the older path instead (unchanged rows stamped with the run id,
sweep by run id).

Run by hand:  .venv/bin/python bench/upsert.py [--pages 100] [--page-size 1000]
Uses a throw-away test database: a temporary SQLite file by default, or a ``test_...`` database on the
server named by DATABASE_URL (PostgreSQL). Prints rows/s and ms/page per pass, and the cost of decoding the
same pages from JSON as a scale reference for "merely downloading".
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supersim_admin.settings")
os.environ.setdefault("SUPERSIM_IGNORE_DOTENV", "1")
sys.path.insert(0, str(ROOT / "bench"))
import _common  # noqa: E402


def sim_page(page: int, size: int, *, version: int = 0, changed_every: int = 0) -> list[dict]:
    items = []
    for j in range(size):
        i = page * size + j
        status = "active" if i % 3 else "ready"
        updated = "2024-01-03T03:04:05Z"
        if changed_every and j % changed_every == 0:
            status, updated = "inactive", f"2024-02-01T00:00:{version:02d}Z"
        items.append(
            {
                "sid": f"HS{i:032x}",
                "unique_name": f"sim-{i:06d}",
                "account_sid": "AC" + "0" * 32,
                "iccid": f"89883070000{i:08d}",
                "status": status,
                "fleet_sid": f"HF{i % 1000:032x}",
                "date_created": "2024-01-02T03:04:05Z",
                "date_updated": updated,
                "url": f"https://supersim.twilio.com/v1/Sims/HS{i:032x}",
                "links": {
                    "billing_periods": f"https://supersim.twilio.com/v1/Sims/HS{i:032x}/BillingPeriods",
                    "sim_ip_addresses": f"https://supersim.twilio.com/v1/Sims/HS{i:032x}/IpAddresses",
                },
            }
        )
    return items


def main() -> None:
    parser = _common.parser(__doc__, sims=100_000, fleets=1)
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--stamp", action="store_true", help="stamp unchanged rows (no in-memory key set)")
    args = parser.parse_args()
    _common.setup_environment(args)
    figures = _common.Figures()

    from _testdb import throwaway_database  # bench/ (the script's own folder)

    with throwaway_database("upsert", prefix=args.db_prefix) as test_name:
        from django.db import connection

        from apps.core.upsert import UpsertResult, relaxed_durability
        from apps.sims.models import Sim
        from apps.sims.services import sims_sweep, sims_upsert

        mode = (
            "stamping unchanged rows" if args.stamp else "keys seen kept in memory (the sync engine's path)"
        )
        print(
            f"database: {connection.vendor} ({test_name}); {args.pages} pages x {args.page_size} SIMs; {mode}"
        )
        # the JSON bodies as a client would receive them (encoded once, outside the timings)
        bodies = [
            json.dumps({"sims": sim_page(p, args.page_size), "meta": {}}).encode() for p in range(args.pages)
        ]
        changed = [
            json.dumps({"sims": sim_page(p, args.page_size, version=1, changed_every=10)}).encode()
            for p in range(args.pages)
        ]
        total = args.pages * args.page_size

        t0 = time.perf_counter()
        for body in bodies:
            json.loads(body)["sims"]
        decode = time.perf_counter() - t0
        print(
            f"{'json decode only':<28} {total / decode:>10,.0f} rows/s  {decode * 1000 / args.pages:7.1f} ms/page"
        )

        def run(label: str, pages: list[bytes], run_id: int) -> float:
            now = dt.datetime.now(dt.UTC)
            result = UpsertResult()
            seen = None if args.stamp else set()
            t = time.perf_counter()
            for body in pages:
                result += sims_upsert(items=json.loads(body)["sims"], run_id=run_id, now=now, seen=seen)
            swept = sims_sweep(run_id=run_id, now=now, seen=seen)
            elapsed = time.perf_counter() - t
            print(
                f"{label:<28} {total / elapsed:>10,.0f} rows/s  {elapsed * 1000 / args.pages:7.1f} ms/page  "
                f"(decode+upsert+sweep; created={result.created} updated={result.updated} "
                f"unchanged={result.unchanged} swept={swept})"
            )
            return elapsed

        with relaxed_durability():  # as during a sync run
            first = run("pass 1: all new", bodies, 1)
            second = run("pass 2: unchanged", bodies, 2)
            third = run("pass 3: 10% changed", changed, 3)
        assert Sim.objects.count() == total
        figures.update(
            {
                "upsert new us per row": (first - decode) / total * 1e6,
                "upsert unchanged us per row": (second - decode) / total * 1e6,
                "upsert 10% changed us per row": (third - decode) / total * 1e6,
                "rows": total,
            }
        )
        print(
            f"per-row cost beyond JSON decode: new {(first - decode) / total * 1e6:.1f} us, "
            f"unchanged {(second - decode) / total * 1e6:.1f} us, 10% changed {(third - decode) / total * 1e6:.1f} us"
        )

    figures.write(args.json)


if __name__ == "__main__":
    main()
