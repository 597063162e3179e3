"""Usage charts at scale: N SIMs x D days of synced usage records, then every chart's data endpoint timed.

Run by hand:  .venv/bin/python bench/usage.py [--sims 100000] [--days 90] [--fleets 1000] [--repeat 20]
              [--json PATH] [--database-url URL] [--db-prefix NAME]
Uses a throw-away test database (a temporary SQLite file, or ``<prefix>_usage_<pid>`` on the server of
``--database-url``). Rows: Group=sim daily for every SIM and day (the bulk: sims x days), plus account / fleet /
network / country daily and two days of hourly, as the sync engine stores them; then the rollups are built
(``usage_rollups_rebuild``, timed: what a first sync's windows cost). Each endpoint is requested through
Django's test client (in-process: server time only) and p50/p95 are printed. "cold" clears the cache before
every request (every chart reads rollups: no aggregate over raw records); "warm" is the cached answer.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

TARGET_MS = 100


def populate(*, sims: int, days: int, fleets: int, networks: int, countries: int) -> int:
    from decimal import Decimal

    from django.db import transaction

    from apps.fleets.models import Fleet
    from apps.networks.models import Network
    from apps.sims.models import Sim
    from apps.usage.models import UsageRecord

    Fleet.objects.bulk_create(
        [Fleet(sid=f"HF{i:032x}", unique_name=f"fleet-{i}", data_limit=1000) for i in range(fleets)],
        batch_size=5000,
    )
    Network.objects.bulk_create(
        [Network(sid=f"HW{i:032x}", friendly_name=f"net-{i}", iso_country="US") for i in range(networks)]
    )
    Sim.objects.bulk_create(
        (
            Sim(
                sid=f"HS{i:032x}",
                iccid=f"89883070000{i:08d}",
                status="active",
                fleet_id=f"HF{i % fleets:032x}",
            )
            for i in range(sims)
        ),
        batch_size=5000,
    )
    today = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    start = today - dt.timedelta(days=days - 1)
    price = Decimal("0.0001")

    def rec(group, key, gran, at, total):
        span = dt.timedelta(hours=1) if gran == "hour" else dt.timedelta(days=1)
        up = total // 5
        return UsageRecord(
            group=group, group_key=key, granularity=gran, period_start=at, period_end=at + span,
            data_upload=up, data_download=total - up, data_total=total, billed_unit="USD",
            data_total_billed=price * (total // 1000),
        )  # fmt: skip

    count = 0
    for d in range(days):
        at = start + dt.timedelta(days=d)
        rows = [
            rec("sim", f"HS{i:032x}", "day", at, 100_000 + (i * 7919 + d * 104729) % 5_000_000)
            for i in range(sims)
        ]
        rows += [rec("fleet", f"HF{i:032x}", "day", at, 10**9 + i) for i in range(fleets)]
        rows += [rec("network", f"HW{i:032x}", "day", at, 10**8 + i * 1000) for i in range(networks)]
        rows += [
            rec("isoCountry", chr(65 + i // 26) + chr(65 + i % 26), "day", at, 10**8 + i)
            for i in range(countries)
        ]
        rows.append(rec("account", "AC" + "0" * 32, "day", at, 10**11))
        with transaction.atomic():
            UsageRecord.objects.bulk_create(rows, batch_size=5000)
        count += len(rows)
        if d % 10 == 0:
            print(f"  day {d + 1}/{days}: {count:,} rows", flush=True)
    hours = [today - dt.timedelta(hours=h) for h in range(48)]
    rows = [rec("account", "AC" + "0" * 32, "hour", h, 10**9) for h in hours]
    rows += [rec("fleet", f"HF{i:032x}", "hour", h, 10**6) for h in hours for i in range(min(fleets, 200))]
    UsageRecord.objects.bulk_create(rows, batch_size=5000)
    return count + len(rows)


def timed(client, url: str, repeat: int, before=None) -> list[float]:
    out = []
    for _ in range(repeat):
        if before:
            before()
        t0 = time.perf_counter()
        response = client.get(url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
        out.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
    return out


def main() -> None:
    parser = _common.parser(__doc__, sims=100_000, fleets=1000, days=90)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    _common.setup_environment(args)
    figures = _common.Figures()

    from _testdb import throwaway_database

    with throwaway_database("usage", prefix=args.db_prefix):
        from django.contrib.auth import get_user_model
        from django.core.cache import cache
        from django.db import connection
        from django.test import Client
        from django.urls import reverse

        from apps.usage.services import usage_rollups_rebuild

        print(f"database: {connection.vendor}; {args.sims:,} SIMs x {args.days} days")
        t0 = time.perf_counter()
        rows = populate(sims=args.sims, days=args.days, fleets=args.fleets, networks=60, countries=40)
        print(f"populated {rows:,} usage records in {time.perf_counter() - t0:.0f}s")
        t0 = time.perf_counter()
        usage_rollups_rebuild()
        figures["rollup build s"] = took = time.perf_counter() - t0
        print(f"rollups built in {took:.1f}s")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        user = get_user_model().objects.create_superuser("bench", password="x")
        client = Client()
        client.force_login(user)
        data = reverse("usage:usage_chart_data")
        today = dt.datetime.now(dt.UTC).date()
        d90 = f"start={today - dt.timedelta(days=args.days - 1)}&end={today}"
        d30 = f"start={today - dt.timedelta(days=29)}&end={today}"
        near = reverse("usage:fleet_near_limit", kwargs={"sid": f"HF{7:032x}"})
        cases = [
            ("series account day", f"{data}?chart=series"),
            ("series account day 90d", f"{data}?chart=series&{d90}"),
            ("series account month 90d", f"{data}?chart=series&granularity=month&{d90}"),
            ("series account hour 2d", f"{data}?chart=series&granularity=hour"),
            ("series fleet day 90d", f"{data}?chart=series&scope=fleet&fleet=HF{7:032x}&{d90}"),
            ("series sim day 90d", f"{data}?chart=series&scope=sim&sim=HS{12345 % args.sims:032x}&{d90}"),
            ("series network day 90d", f"{data}?chart=series&scope=network&network=HW{3:032x}&{d90}"),
            ("countries 90d", f"{data}?chart=countries&{d90}"),
            ("networks 90d", f"{data}?chart=networks&{d90}"),
            ("fleets 90d", f"{data}?chart=fleets&{d90}"),
            ("csv series 90d", f"{reverse('usage:usage_export_csv')}?chart=series&{d90}"),
            ("fleet near limit warm", near),
            ("top sims warm", f"{data}?chart=top_sims"),
            ("home warm", reverse("core:home")),
        ]
        cold = [
            ("top sims cold", f"{data}?chart=top_sims"),  # the usage page's default window
            ("top sims fleet cold", f"{data}?chart=top_sims&scope=fleet&fleet=HF{7:032x}"),
            ("top sims 30d cold", f"{data}?chart=top_sims&{d30}"),
            ("top sims 90d cold", f"{data}?chart=top_sims&{d90}"),
            ("fleet near limit cold", near),
            ("home cold", reverse("core:home")),
        ]
        print(f"\n{'endpoint':32} {'p50 ms':>8} {'p95 ms':>8}  target {TARGET_MS} ms")
        for name, url in cases:
            client.get(url)  # warm up (and fill the cache where one is used)
            times = timed(client, url, args.repeat)
            p50, p95 = _common.percentile(times, 50), _common.percentile(times, 95)
            figures[f"{name} p50 ms"], figures[f"{name} p95 ms"] = p50, p95
            print(f"{name:32} {p50:8.1f} {p95:8.1f}  {'ok' if p95 < TARGET_MS else 'OVER'}")
        for name, url in cold:
            times = timed(client, url, max(5, args.repeat // 2), before=cache.clear)
            p50, p95 = _common.percentile(times, 50), _common.percentile(times, 95)
            figures[f"{name} p50 ms"], figures[f"{name} p95 ms"] = p50, p95
            print(
                f"{name:32} {p50:8.1f} {p95:8.1f}  {'ok' if p95 < TARGET_MS else 'OVER'} ({len(times)} requests)"
            )
        print(f"load average {_common.load_average()}")
        figures["sims"], figures["days"], figures["usage records"] = args.sims, args.days, rows
    figures.write(args.json)


if __name__ == "__main__":
    main()
