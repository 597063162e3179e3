"""Server time and query count of the list/detail pages at two sizes, side by side in ONE run.

Run by hand:  .venv/bin/python bench/pages.py [--small 1000] [--sims 100000] [--fleets 1000]
              [--requests 200] [--json PATH] [--database-url URL] [--db-prefix NAME]

Two throw-away databases are filled (a temporary SQLite file each, or ``<prefix>_pages_<pid>`` and
``..._large`` on the PostgreSQL server of ``--database-url``): the same ``--fleets`` fleets in 50 NAPs in
both, ``--small`` SIMs in one and ``--sims`` in the other. The measured fleet (``fleet-0017``) holds the same
60 SIMs at both sizes, so its pages render the same rows; the other SIMs are spread over every fleet.
Each page is requested ``--requests`` times per size through the Django test client (all middleware,
templates, a logged-in viewer), the two sizes ALTERNATING request by request (a router sends each request to
one database; each size has its own cache key prefix), so machine load falls on both alike. Printed per page:
p50/p95 server time per size, the large/small p95 ratio, the queries of one request per size and the rows
on the page; flagged when p95 > 50 ms, the ratio > 1.5 or the query counts differ. "cold" pages clear the
cache before every request.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

STATUSES = ["active", "active", "inactive", "ready", "new"]
BASE = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
FLEET = 17  # the measured fleet: FLEET_SIMS SIMs at every size
FLEET_SIMS = 60
TARGET_MS = 50


class SizeRouter:
    """Every query to the database of the size being measured."""

    alias = "default"

    def db_for_read(self, model, **hints):
        return self.alias

    db_for_write = db_for_read

    def allow_relation(self, *args, **hints):
        return True

    def allow_migrate(self, db, app_label, **hints):
        return True


ROUTER = SizeRouter()


def use(alias: str) -> None:
    from django.core.cache import cache

    ROUTER.alias = alias
    cache.key_prefix = alias  # the sizes do not share cached counts


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
        ],
        batch_size=5000,
    )


def sim_fleet(i: int, fleets: int) -> int:
    """SIMs 0..FLEET_SIMS-1 are the measured fleet's; the others go round the other fleets."""
    if i < FLEET_SIMS:
        return FLEET
    other = (i - FLEET_SIMS) % (fleets - 1)
    return other if other < FLEET else other + 1


def add_sims(count: int, fleets: int, *, start: int = 0) -> None:
    """SIMs ``start`` .. ``count - 1`` (bench/api.py grows one database in steps)."""
    from django.db import transaction

    from apps.sims.models import Sim

    batch = []
    for i in range(start, count):
        batch.append(
            Sim(
                sid=f"HS{i:032x}",
                iccid=f"89883070{i:011d}",
                unique_name=f"sim-{i:07d}",
                status=STATUSES[i % len(STATUSES)],
                fleet_id=f"HF{sim_fleet(i, fleets):032x}",
                account_sid="AC" + "0" * 32,
                date_created=BASE + dt.timedelta(minutes=i),
                date_updated=BASE + dt.timedelta(minutes=i),
            )
        )
        if len(batch) == 10000:
            with transaction.atomic(using=ROUTER.alias):
                Sim.objects.bulk_create(batch)
            batch = []
    if batch:
        Sim.objects.bulk_create(batch)


def analyze() -> None:
    from django.db import connections

    conn = connections[ROUTER.alias]
    with conn.cursor() as cursor:
        cursor.execute("ANALYZE")


def pages(n_sims: int) -> dict[str, str]:
    """Page name -> URL, comparable at every size (the deep page is 95 % down the list, a full page left)."""
    from urllib.parse import quote

    from django.urls import reverse

    from apps.sims.models import Sim
    from apps.sims.selectors import sim_keyset_cursor

    deep = min(int(n_sims * 0.95), n_sims - 60)  # a full page left below it at every size
    record = Sim.objects.order_by("-date_created", "-id")[deep - 1]  # the last row before the deep page
    cursor = quote(sim_keyset_cursor(record=record, keyset=("date_created", True)))
    mid = n_sims // 2
    sims = reverse("sims:sim_list")
    return {
        "home": reverse("core:home"),
        "home cold": reverse("core:home"),
        "sim list": sims,
        "sim list filtered": sims + f"?status=inactive&nap=HA{FLEET % 50:032x}",
        "sim list fleet": sims + f"?fleet=HF{FLEET:032x}",
        "sim list iccid search": sims + f"?q=89883070{mid:011d}"[:-3],
        "sim list deep (keyset)": sims + f"?after={cursor}",
        "sim list page 20": sims + "?page=20",
        "sim detail": reverse("sims:sim_detail", kwargs={"sid": f"HS{FLEET_SIMS // 2:032x}"}),
        "fleet list": reverse("fleets:fleet_list"),
        "fleet list cold": reverse("fleets:fleet_list"),
        "fleet detail": reverse("fleets:fleet_detail", kwargs={"sid": f"HF{FLEET:032x}"}),
    }


def request(client, url: str, *, cold: bool) -> tuple[float, object]:
    from django.core.cache import cache

    if cold:
        cache.clear()
    started = time.perf_counter()
    response = client.get(url)
    took = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (url, response.status_code)
    return took, response


def queries_and_rows(client, url: str, *, cold: bool) -> tuple[int, int, int]:
    """(queries, table rows, response bytes) of one request."""
    from django.core.cache import cache
    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    if cold:
        cache.clear()
    with CaptureQueriesContext(connections[ROUTER.alias]) as captured:
        response = client.get(url)
    body = response.content.decode()
    rows = len(re.findall(r"<tr[ >]", body)) - len(re.findall(r"<thead", body))
    return len(captured), rows, len(response.content)


def quiet() -> None:
    import logging

    logging.getLogger("axes").setLevel(logging.WARNING)


def main() -> None:
    p = _common.parser(__doc__, sims=100_000, fleets=1000)
    p.add_argument("--small", type=int, default=1000, help="SIMs of the small size (default 1,000)")
    p.add_argument("--requests", type=int, default=200, help="timed requests per page and size")
    args = p.parse_args()
    _common.setup_environment(args)
    figures = _common.Figures()

    from _testdb import throwaway_database

    sizes = {"default": args.small, "large": args.sims}
    with throwaway_database("pages", prefix=args.db_prefix, aliases=("large",)) as test_name:
        from django.db import connection, router
        from django.test import Client

        from apps.accounts.signals import ensure_role_groups
        from apps.core.testing import make_user

        router.routers = [ROUTER]
        quiet()
        print(f"database: {connection.vendor} ({test_name} and its _large twin); {args.requests} requests")
        clients, urls = {}, {}
        for alias, n in sizes.items():
            use(alias)
            ensure_role_groups()  # post_migrate made them in the default database only
            started = time.perf_counter()
            make_rows(args.fleets, 50)
            add_sims(n, args.fleets)
            analyze()
            print(f"{n:,} SIMs ready in {time.perf_counter() - started:.1f}s", flush=True)
            clients[alias] = Client()
            clients[alias].force_login(make_user("bench-viewer", "viewer"))
            urls[alias] = pages(n)
        names = list(urls["default"])
        times: dict[tuple[str, str], list[float]] = {}
        info: dict[tuple[str, str], tuple[int, int, int]] = {}
        for name in names:
            cold = name.endswith(" cold")
            for alias in sizes:  # warm-up, then one counted request
                use(alias)
                for _ in range(3):
                    request(clients[alias], urls[alias][name], cold=cold)
                info[name, alias] = queries_and_rows(clients[alias], urls[alias][name], cold=cold)
            for _ in range(args.requests if not cold else max(10, args.requests // 5)):
                for alias in sizes:  # alternating: the same load on both sizes
                    use(alias)
                    took, _ = request(clients[alias], urls[alias][name], cold=cold)
                    times.setdefault((name, alias), []).append(took)
        print(
            f"\nload average {_common.load_average()}; flagged: p95 > {TARGET_MS} ms, ratio > 1.5, queries differ"
        )
        small, large = f"{args.small:,}", f"{args.sims:,}"
        print(
            f"{'page':24} {'p50 ' + small:>12} {'p95':>7} {'p50 ' + large:>14} {'p95':>7} {'ratio':>6} "
            f"{'queries':>9} {'rows':>9} {'KB':>11}"
        )
        for name in names:
            s, lg = times[name, "default"], times[name, "large"]
            s50, s95 = _common.percentile(s, 50), _common.percentile(s, 95)
            l50, l95 = _common.percentile(lg, 50), _common.percentile(lg, 95)
            (sq, sr, sb), (lq, lr, lb) = info[name, "default"], info[name, "large"]
            ratio = l95 / s95
            flag = "" if l95 <= TARGET_MS and ratio <= 1.5 and sq == lq else "  <--"
            print(
                f"{name:24} {s50:10.1f}ms {s95:5.1f}ms {l50:12.1f}ms {l95:5.1f}ms {ratio:6.2f} "
                f"{sq:4}/{lq:<4} {sr:4}/{lr:<4} {sb // 1024:5}/{lb // 1024:<5}{flag}"
            )
            for size, p50, p95, q, r in ((args.small, s50, s95, sq, sr), (args.sims, l50, l95, lq, lr)):
                figures[f"{name} p50 ms at {size}"] = p50
                figures[f"{name} p95 ms at {size}"] = p95
                figures[f"{name} queries at {size}"] = q
                figures[f"{name} rows at {size}"] = r
            figures[f"{name} p95 ms"] = l95
            figures[f"{name} queries"] = lq
            figures[f"{name} p95 large / small"] = ratio
        figures["sims"], figures["small sims"], figures["fleets"] = args.sims, args.small, args.fleets
    figures.write(args.json)


if __name__ == "__main__":
    main()
