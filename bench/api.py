"""Server time and query count of the REST API's SIM list (1,000 SIMs per page) and SIM detail, at 1,000 and
at 100,000 SIMs (design size), side by side in one run.

Run by hand:  .venv/bin/python bench/api.py [--requests 100] [--small 1000] [--sims 100000] [--json PATH]
              [--database-url URL] [--db-prefix NAME]
Uses a throw-away test database (bench/_testdb.py): a temporary SQLite file by default, or
``<prefix>_api_<pid>`` on the PostgreSQL server of ``--database-url``.

Rows as bench/pages.py makes them (1,000 fleets in 50 NAPs, SIMs spread over them). Each URL is requested
``--requests`` times through DRF's test client with a viewer's token (every middleware, authentication,
throttle, pagination, rendering) and the p50/p95 server time printed per size, with each URL's query count.
Targets (issue 20): list of 1,000 per page at 100k: p95 < 100 ms; detail < 20 ms; same query count at both.
"""

from __future__ import annotations

import base64
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common  # noqa: E402
from pages import add_sims, analyze, make_rows  # noqa: E402 - bench/pages.py, same rows


def urls(n_sims: int) -> dict[str, str]:
    from apps.sims.models import Sim

    deep_id = Sim.objects.order_by("-id").values_list("id", flat=True)[int(n_sims * 0.95) - 1]
    cursor = base64.b64encode(f"p={deep_id}".encode()).decode()  # DRF's cursor: rows after this id
    mid = n_sims // 2
    return {
        "list 1000": "/api/v1/sims/?page_size=1000",
        "list 1000 fields=sid,status": "/api/v1/sims/?page_size=1000&fields=sid,status",
        "list 1000 status filter": "/api/v1/sims/?page_size=1000&status=inactive",
        "list 1000 fleet filter": f"/api/v1/sims/?page_size=1000&fleet=HF{17:032x}",
        "list 1000 deep cursor": f"/api/v1/sims/?page_size=1000&cursor={cursor}",
        "detail": f"/api/v1/sims/HS{mid:032x}/",
    }


def measure(client, url: str, requests: int) -> tuple[float, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):  # warm-up (token last-use write, caches)
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    queries = len(ctx.captured_queries)
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)], queries


def main() -> None:
    parser = _common.parser(__doc__, sims=100_000, fleets=1000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--small", type=int, default=1000)
    args = parser.parse_args()
    args.large = args.sims
    _common.setup_environment(args)
    figures = _common.Figures()

    from _testdb import throwaway_database

    with throwaway_database("api", prefix=args.db_prefix) as test_name:
        from django.conf import settings
        from django.db import connection
        from rest_framework.test import APIClient

        from apps.api.tokens import token_create
        from apps.core.testing import make_user

        settings.API_THROTTLE_RATE = "1000000/min"
        print(f"database: {connection.vendor} ({test_name}); {args.requests} requests per URL")
        make_rows(args.fleets, 50)
        _, secret = token_create(user=make_user("bench-viewer", "viewer"), name="bench", scope="read")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        results: dict[int, dict[str, tuple[float, float, int]]] = {}
        done = 0
        for size in (args.small, args.large):
            started = time.perf_counter()
            add_sims(size, args.fleets, start=done)
            done = size
            analyze()
            print(f"{size:,} SIMs ready in {time.perf_counter() - started:.1f}s")
            results[size] = {name: measure(client, url, args.requests) for name, url in urls(size).items()}
        small, large = results[args.small], results[args.large]
        print()
        head = f"{'url':28} {'p50 ' + f'{args.small:,}':>12} {'p95':>8} {'q':>3} {'p50 ' + f'{args.large:,}':>14}"
        print(f"{head} {'p95':>8} {'q':>3}")
        for name in large:
            s50, s95, sq = small[name]
            l50, l95, lq = large[name]
            target = 20 if name == "detail" else 100
            flag = "" if l95 < target and sq == lq else "  <-- over target"
            print(f"{name:28} {s50:10.1f}ms {s95:6.1f}ms {sq:3d} {l50:12.1f}ms {l95:6.1f}ms {lq:3d}{flag}")
            figures.update(
                {
                    f"api {name} p95 ms at {args.small}": s95,
                    f"api {name} p95 ms": l95,
                    f"api {name} queries at {args.small}": sq,
                    f"api {name} queries": lq,
                }
            )
        print(f"load average {_common.load_average()}")
    figures.write(args.json)


if __name__ == "__main__":
    main()
