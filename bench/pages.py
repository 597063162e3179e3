"""Server time of the SIM pages at 1,000 and at 100,000 SIMs (design size), side by side in one run.

Run by hand:  .venv/bin/python bench/pages.py [--requests 200] [--small 1000] [--large 100000]
Uses a throw-away test database: a temporary SQLite file by default, or a ``test_...`` database on the
server named by DATABASE_URL (PostgreSQL), e.g.
``DATABASE_URL=postgres://postgres@127.0.0.1:5432/supersim_bench .venv/bin/python bench/pages.py``.

Local rows are bulk-created (1,000 fleets in 50 NAPs, SIMs spread over them); each page is requested
``--requests`` times through the Django test client (all middleware, templates, a logged-in viewer) and the
p50/p95 server time printed per size, with the large/small ratio. Targets: p95 < 100 ms at 100k, ratio < 1.5.
The list pages by keyset only (``?after=<cursor>``; ``?page=N`` is ignored, no OFFSET); its total is a cached
COUNT (apps.sims.selectors.sim_list_count), so the warm-up requests pay for it and the timed ones do not.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supersim_admin.settings")
os.environ.setdefault("SUPERSIM_IGNORE_DOTENV", "1")

STATUSES = ["active", "active", "inactive", "ready", "new"]
BASE = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def make_rows(fleets: int, naps: int) -> None:
    from apps.fleets.models import Fleet
    from apps.networks.models import NetworkAccessProfile

    NetworkAccessProfile.objects.bulk_create(
        [NetworkAccessProfile(sid=f"HA{i:032x}", unique_name=f"nap-{i:03d}") for i in range(naps)]
    )
    Fleet.objects.bulk_create(
        [
            Fleet(
                sid=f"HF{i:032x}",
                unique_name=f"fleet-{i:04d}",
                data_limit=1000,
                data_enabled=True,
                network_access_profile_id=f"HA{i % naps:032x}",
                date_created=BASE,
            )
            for i in range(fleets)
        ]
    )


def add_sims(start: int, stop: int, fleets: int) -> None:
    from apps.sims.models import Sim

    batch = []
    for i in range(start, stop):
        batch.append(
            Sim(
                sid=f"HS{i:032x}",
                iccid=f"89883070{i:011d}",
                unique_name=f"sim-{i:06d}",
                status=STATUSES[i % len(STATUSES)],
                fleet_id=f"HF{i % fleets:032x}",
                account_sid="AC" + "0" * 32,
                date_created=BASE + dt.timedelta(minutes=i),
                date_updated=BASE + dt.timedelta(minutes=i),
            )
        )
        if len(batch) == 5000:
            Sim.objects.bulk_create(batch)
            batch = []
    if batch:
        Sim.objects.bulk_create(batch)


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def pages(n_sims: int, per_page: int = 50) -> dict[str, str]:
    from urllib.parse import quote

    from django.urls import NoReverseMatch, reverse

    from apps.sims.models import Sim
    from apps.sims.selectors import sim_keyset_cursor

    deep = int(n_sims * 0.95)
    record = Sim.objects.order_by("-date_created", "-id")[deep - 1]  # the last row before the deep page
    cursor = quote(sim_keyset_cursor(record=record, keyset=("date_created", True)))

    mid = n_sims // 2
    urls = {
        "sim list": reverse("sims:sim_list"),
        "sim list filtered": reverse("sims:sim_list") + f"?status=inactive&nap=HA{7:032x}",
        "sim list fleet": reverse("sims:sim_list") + f"?fleet=HF{17:032x}",
        "sim list iccid search": reverse("sims:sim_list") + f"?q=89883070{mid:011d}"[:-3],
        "sim list deep (keyset)": reverse("sims:sim_list") + f"?after={cursor}",
        "sim detail": reverse("sims:sim_detail", kwargs={"sid": f"HS{mid:032x}"}),
    }
    with contextlib.suppress(NoReverseMatch):
        urls["fleet detail"] = reverse("fleets:fleet_detail", kwargs={"sid": f"HF{17:032x}"})
    return urls


def measure(client, url: str, requests: int) -> tuple[float, float]:
    for _ in range(3):  # warm-up
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--fleets", type=int, default=1000)
    args = parser.parse_args()

    from _testdb import throwaway_database  # bench/ (the script's own folder)

    with throwaway_database("pages") as test_name:
        from django.db import connection
        from django.test import Client

        from apps.core.testing import make_user

        print(f"database: {connection.vendor} ({test_name}); {args.requests} requests per page")
        make_rows(args.fleets, 50)
        client = Client()
        client.force_login(make_user("bench-viewer", "viewer"))
        results: dict[int, dict[str, tuple[float, float]]] = {}
        done = 0
        for size in (args.small, args.large):
            started = time.perf_counter()
            add_sims(done, size, args.fleets)
            done = size
            analyze()
            print(f"{size:,} SIMs ready in {time.perf_counter() - started:.1f}s")
            results[size] = {name: measure(client, url, args.requests) for name, url in pages(size).items()}
        small, large = results[args.small], results[args.large]
        print()
        print(
            f"{'page':24} {'p50 ' + f'{args.small:,}':>12} {'p95':>8} {'p50 ' + f'{args.large:,}':>14} {'p95':>8}  ratio(p95)"
        )
        for name in large:
            s50, s95 = small[name]
            l50, l95 = large[name]
            flag = "" if l95 < 100 and l95 / s95 < 1.5 else "  <-- over target"
            print(f"{name:24} {s50:10.1f}ms {s95:6.1f}ms {l50:12.1f}ms {l95:6.1f}ms  {l95 / s95:5.2f}{flag}")


if __name__ == "__main__":
    main()
