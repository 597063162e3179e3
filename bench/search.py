"""Global search (apps/search): server time and query count at 1,000 and 100,000 SIMs, side by side in one
run, and what its indexes cost the writes (the sync's SIM upsert, connection-state IMEI updates).

Run by hand:  .venv/bin/python bench/search.py [--requests 100] [--small 1000] [--large 100000] [--json PATH]
Uses a throw-away test database: a temporary SQLite file by default, or a ``test_...`` database on the
server named by DATABASE_URL (PostgreSQL, where the search's own indexes exist), e.g.
``DATABASE_URL=postgres://postgres@127.0.0.1:5432/supersim_bench .venv/bin/python bench/search.py``.

Rows: 1,000 fleets in 50 NAPs, SIMs spread over them (bench/pages.py), an eSIM profile for every 10th SIM,
a connection state with an IMEI for every 5th, 300 networks. Each query is sent ``--requests`` times to the
suggestions URL (what the box asks as you type: all middleware, templates, a logged-in viewer) and p50/p95
printed per size with the number of database queries. Targets: p95 < 50 ms at 100k, the same query count
at both sizes. ``--write-cost`` (PostgreSQL): the SIM upsert (1,000-row pages, created then 10% renamed)
and an IMEI update of connection states, each with and without the search's index, alternated.
``--json PATH`` writes every figure as one flat JSON object.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supersim_admin.settings")
os.environ.setdefault("SUPERSIM_IGNORE_DOTENV", "1")


def add_related(start: int, stop: int) -> None:
    """eSIM profiles (every 10th SIM) and connection states with an IMEI (every 5th) for SIMs start..stop."""
    from apps.esims.models import EsimProfile
    from apps.events.models import SimConnectionState

    profiles = [
        EsimProfile(
            sid=f"HP{i:032x}",
            sim_id=f"HS{i:032x}",
            iccid=f"89883070{i:011d}",
            eid=f"89049032{i:024d}",
            status="installed",
        )
        for i in range(start, stop)
        if i % 10 == 0
    ]
    EsimProfile.objects.bulk_create(profiles, batch_size=5000)
    states = [
        SimConnectionState(sim_sid=f"HS{i:032x}", iccid=f"89883070{i:011d}", imei=f"35{i:013d}")
        for i in range(start, stop)
        if i % 5 == 0
    ]
    SimConnectionState.objects.bulk_create(states, batch_size=5000)


def add_networks(count: int) -> None:
    from apps.networks.models import Network

    Network.objects.bulk_create(
        Network(sid=f"HW{i:032x}", friendly_name=f"Carrier {i:03d}", iso_country="DE", mcc_mnc=f"262-{i:03d}")
        for i in range(count)
    )


def queries(n_sims: int) -> dict[str, str]:
    mid = n_sims // 2
    mid -= mid % 10  # a SIM with an eSIM profile and an IMEI
    return {
        "iccid prefix": f"89883070{mid:011d}"[:-3],
        "iccid short prefix": "8988",  # every SIM matches
        "iccid exact": f"89883070{mid:011d}",
        "sid prefix": f"HS{mid:032x}"[:-4],
        "name prefix": f"SIM-{mid:06d}"[:-2],  # any case
        "name short prefix": "si",  # every SIM matches
        "imei prefix": f"35{mid:013d}"[:-3],
        "eid prefix": f"89049032{mid:024d}"[:-3],
        "no match": "zzzz",
    }


def measure(client, url: str, requests: int) -> tuple[float, float, int]:
    from django.db import connection

    for _ in range(3):  # warm-up
        assert client.get(url).status_code == 200, url
    executed = []

    def count(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        client.get(url)
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    times.sort()
    return statistics.median(times), times[max(int(len(times) * 0.95) - 1, 0)], len(executed)


def search_only(text: str, requests: int) -> float:
    """p50 ms of the providers' work alone (``search_everything``: the queries and building the hits, no
    HTTP, session or template), the part that depends on the number of rows."""
    from apps.search.selectors import search_everything

    for _ in range(3):
        search_everything(text=text)
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        search_everything(text=text)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _plan_nodes(node: dict) -> list[str]:
    name = node["Node Type"] + (f" {node['Index Name']}" if "Index Name" in node else "")
    return [name] + [n for child in node.get("Plans", []) for n in _plan_nodes(child)]


def explain(text: str) -> list[str]:
    """PostgreSQL's plan (EXPLAIN ANALYZE) of every query the search runs for ``text``: one line each,
    the plan's nodes and the execution time."""
    from django.db import connection

    from apps.search.selectors import search_everything

    executed: list[tuple[str, tuple]] = []

    def grab(execute, sql, params, many, context):
        executed.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(grab):
        search_everything(text=text)
    lines = []
    with connection.cursor() as cursor:
        for sql, params in executed:
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
            plan = cursor.fetchone()[0][0]
            nodes = _plan_nodes(plan["Plan"])
            table = sql.split(" FROM ", 1)[1].split()[0] if " FROM " in sql else "?"
            lines.append(f"{plan['Execution Time']:7.2f} ms  {table:38} {' > '.join(nodes)}")
    return lines


def write_cost(rounds: int, pages: int) -> dict[str, float]:
    """ms per 1,000-row SIM upsert page (created / 10% renamed) and per 1,000 IMEI updates, with and
    without the search's indexes (dropped and re-created between alternating rounds)."""
    from django.db import connection
    from upsert import sim_page  # bench/upsert.py

    from apps.events.models import SimConnectionState
    from apps.sims.services import sims_upsert

    module = __import__("apps.search.migrations.0001_search_indexes", fromlist=["INDEXES"])
    indexes = module.INDEXES
    timings: dict[str, list[float]] = {}
    first_page = 300  # SIDs far above the searched ones

    def with_index(on: bool) -> None:
        with connection.cursor() as cursor:
            for name, definition in indexes.items():
                cursor.execute(
                    f'CREATE INDEX IF NOT EXISTS "{name}" {definition}'
                    if on
                    else f'DROP INDEX IF EXISTS "{name}"'
                )

    for r in range(rounds):
        for on in (True, False) if r % 2 == 0 else (False, True):
            with_index(on)
            label = "with_index" if on else "without_index"
            base = first_page + (r * 2 + on) * pages
            now = dt.datetime.now(dt.UTC)
            started = time.perf_counter()
            for p in range(base, base + pages):
                sims_upsert(items=sim_page(p, 1000), run_id=1, now=now, seen=set())
            timings.setdefault(f"create_{label}", []).append((time.perf_counter() - started) * 1000 / pages)
            renamed = []
            for p in range(base, base + pages):
                items = sim_page(p, 1000, version=1, changed_every=10)
                for item in items[::10]:
                    item["unique_name"] = "renamed-" + item["unique_name"]
                renamed.append(items)
            started = time.perf_counter()
            for items in renamed:
                sims_upsert(items=items, run_id=2, now=now, seen=set())
            timings.setdefault(f"rename10_{label}", []).append((time.perf_counter() - started) * 1000 / pages)
            states = list(SimConnectionState.objects.order_by("sim_sid")[:1000])
            for n, state in enumerate(states):
                state.imei = f"99{(r * 2 + on) * 1000 + n:013d}"
            started = time.perf_counter()
            SimConnectionState.objects.bulk_update(states, ["imei"], batch_size=1000)
            timings.setdefault(f"imei1000_{label}", []).append((time.perf_counter() - started) * 1000)
    with_index(True)
    return {f"write_{k}_ms": round(statistics.median(v), 2) for k, v in timings.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--fleets", type=int, default=1000)
    parser.add_argument("--write-cost", action="store_true", help="PostgreSQL: the indexes' cost on writes")
    parser.add_argument("--write-rounds", type=int, default=4)
    parser.add_argument("--write-pages", type=int, default=5)
    parser.add_argument("--json", metavar="PATH", help="write the figures to PATH as one flat JSON object")
    args = parser.parse_args()

    from urllib.parse import urlencode

    from _testdb import throwaway_database  # bench/ (the script's own folder)
    from pages import add_sims, analyze, make_rows

    out: dict[str, object] = {"load_avg_1m": round(os.getloadavg()[0], 2), "requests": args.requests}
    with throwaway_database("search") as test_name:
        from django.db import connection
        from django.test import Client

        from apps.core.testing import make_user

        out["database"] = connection.vendor
        print(f"database: {connection.vendor} ({test_name}); {args.requests} requests per query")
        make_rows(args.fleets, 50)
        add_networks(300)
        client = Client()
        client.force_login(make_user("bench-viewer", "viewer"))
        results: dict[int, dict[str, tuple[float, float, int]]] = {}
        done = 0
        for size in (args.small, args.large):
            started = time.perf_counter()
            add_sims(done, size, args.fleets)
            add_related(done, size)
            done = size
            analyze()
            print(f"{size:,} SIMs ready in {time.perf_counter() - started:.1f}s")
            results[size] = {
                name: measure(client, "/search/suggest/?" + urlencode({"q": q}), args.requests)
                for name, q in queries(size).items()
            }
            for name, q in queries(size).items():
                out[f"{name.replace(' ', '_')}_search_only_p50_ms_{size}"] = round(
                    search_only(q, args.requests), 2
                )
            if connection.vendor == "postgresql" and size == args.large:
                print("plans at", f"{size:,} SIMs:")
                for name, q in queries(size).items():
                    print(f"  {name}")
                    for line in explain(q):
                        print("    " + line)
            exact = queries(size)["iccid exact"]
            assert client.get("/search/?" + urlencode({"q": exact})).status_code == 302
        small, large = results[args.small], results[args.large]
        print()
        print(
            f"{'query':20} {'p50 ' + f'{args.small:,}':>11} {'p95':>8} {'p50 ' + f'{args.large:,}':>13} {'p95':>8}  queries"
        )
        for name in large:
            s50, s95, sq = small[name]
            l50, l95, lq = large[name]
            flag = "" if l95 < 50 and sq == lq else "  <-- over target"
            key = name.replace(" ", "_")
            so_s = out[f"{key}_search_only_p50_ms_{args.small}"]
            so_l = out[f"{key}_search_only_p50_ms_{args.large}"]
            print(
                f"{name:20} {s50:9.1f}ms {s95:6.1f}ms {l50:11.1f}ms {l95:6.1f}ms  {sq:3} / {lq:<3}"
                f"  {so_s:6.2f} / {so_l:6.2f} ms{flag}"
            )
            out.update(
                {
                    f"{key}_p50_ms_{args.small}": round(s50, 2),
                    f"{key}_p95_ms_{args.small}": round(s95, 2),
                    f"{key}_p50_ms_{args.large}": round(l50, 2),
                    f"{key}_p95_ms_{args.large}": round(l95, 2),
                    f"{key}_queries_{args.small}": sq,
                    f"{key}_queries_{args.large}": lq,
                }
            )
        if args.write_cost:
            if connection.vendor != "postgresql":
                print("\n--write-cost: PostgreSQL only (the search's indexes exist there only)")
            else:
                costs = write_cost(args.write_rounds, args.write_pages)
                out.update(costs)
                print()
                for what in ("create", "rename10", "imei1000"):
                    on, off = costs[f"write_{what}_with_index_ms"], costs[f"write_{what}_without_index_ms"]
                    print(f"{what:10} with index {on:8.1f} ms  without {off:8.1f} ms  ratio {on / off:5.2f}")
                    out[f"write_{what}_ratio"] = round(on / off, 3)
    out["load_avg_1m_end"] = round(os.getloadavg()[0], 2)
    print(f"\nload average (1 min) at start / end: {out['load_avg_1m']} / {out['load_avg_1m_end']}")
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
