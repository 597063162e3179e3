"""Alerting at scale: the usage-percent rule evaluated over N SIMs (fleet scope and account scope), with and
without billing periods, and the alerts page and bell with a history of M alerts.

Run by hand:  .venv/bin/python bench/alerts.py [--sims 100000] [--alerts 100000] [--repeat 20] [--json out.json]
Uses a throw-away test database (a temporary SQLite file, or ``test_bench_alerts_<pid>`` on the server named
by DATABASE_URL). Rows: one fleet (limit 100 MB) holding every SIM, one daily usage record per SIM today with
a deterministic spread of 0..110 MB (so ~27 % of the SIMs are at or over 80 %). Each evaluation is timed with
its query count: "open" opens the alerts, "steady" runs again with nothing changed (the beat's usual case),
"resolve" clears them all. Query counts must not grow with the SIMs (``--sims`` 10000 vs 100000 shows it);
on PostgreSQL the new alerts go in with one COPY, which Django's query log does not see (+1 to "open").
The pages are requested through Django's test client (in-process: server time only): p50 / p95.
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

EVAL_TARGET_S = 2.0
PAGE_TARGET_MS = 50
MB = 1_000_000
FLEET = f"HF{1:032x}"


def populate(*, sims: int) -> None:
    from django.db import transaction

    from apps.fleets.models import Fleet
    from apps.sims.models import Sim
    from apps.usage.models import UsageRecord

    today = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    Fleet.objects.create(sid=FLEET, unique_name="bench-fleet", data_limit=100)
    batch = 10_000
    with transaction.atomic():
        for start in range(0, sims, batch):
            ids = range(start, min(start + batch, sims))
            Sim.objects.bulk_create(
                [
                    Sim(sid=f"HS{i:032x}", iccid=f"8988307{i:015d}", status="active", fleet_id=FLEET)
                    for i in ids
                ]
            )
            UsageRecord.objects.bulk_create(
                [
                    UsageRecord(
                        group="sim",
                        group_key=f"HS{i:032x}",
                        granularity="day",
                        period_start=today,
                        period_end=today + dt.timedelta(days=1),
                        data_total=((i * 7919) % 111) * MB,  # 0..110 MB, spread evenly
                    )
                    for i in ids
                ]
            )


def add_billing_periods(*, sims: int) -> None:
    from django.db import transaction

    from apps.sims.models import BillingPeriod

    today = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    with transaction.atomic():
        for start in range(0, sims, 10_000):
            BillingPeriod.objects.bulk_create(
                [
                    BillingPeriod(
                        sid=f"HB{i:032x}",
                        sim_id=f"HS{i:032x}",
                        start_time=today - dt.timedelta(days=3),
                        end_time=today + dt.timedelta(days=27),
                        period_type="active",
                    )
                    for i in range(start, min(start + 10_000, sims))
                ]
            )


def analyze() -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def condition_seconds(rule) -> float:
    """The condition's query alone (what every evaluation pays, whatever changed)."""
    from django.utils import timezone

    from apps.alerts.conditions import evaluate as firing

    t0 = time.perf_counter()
    firing(rule, timezone.now())
    return time.perf_counter() - t0


def evaluate(rule, threshold) -> tuple[float, int, object]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.alerts.services import rule_evaluate

    rule.threshold = threshold
    rule.save(update_fields=["threshold"])
    with CaptureQueriesContext(connection) as queries:
        t0 = time.perf_counter()
        result = rule_evaluate(rule=rule, notify=False)
        seconds = time.perf_counter() - t0
    return seconds, len(queries), result


def alert_history(*, count: int, open_count: int) -> None:
    from django.db import transaction
    from django.utils import timezone

    from apps.alerts.models import Alert, AlertRule

    rule = AlertRule.objects.create(name="history", condition="offline", threshold=24)
    now = timezone.now()
    with transaction.atomic():
        for start in range(0, count, 10_000):
            Alert.objects.bulk_create(
                [
                    Alert(
                        rule=rule,
                        subject_type="sim",
                        subject_id=f"HS{i:032x}",
                        subject_label=f"8988307{i:015d}",
                        state="open" if i < open_count else "resolved",
                        opened_at=now - dt.timedelta(minutes=count - i),
                        resolved_at=None if i < open_count else now - dt.timedelta(minutes=count - i - 1),
                        message="offline for 30 hours",
                    )
                    for i in range(start, min(start + 10_000, count))
                ]
            )


def timed(client, url: str, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sims", type=int, default=100_000)
    parser.add_argument("--alerts", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--json", metavar="PATH", help="write the figures as one flat JSON object")
    args = parser.parse_args()

    from _testdb import throwaway_database  # bench/ (the script's own folder)

    figures: dict[str, float | int | str] = {}
    with throwaway_database("alerts"):
        from django.contrib.auth import get_user_model
        from django.db import connection
        from django.test import Client

        from apps.alerts.models import Alert, AlertRule

        figures.update(database=connection.vendor, sims=args.sims, alerts_history=args.alerts)
        print(f"database: {connection.vendor}; {args.sims:,} SIMs in one fleet (limit 100 MB)")
        t0 = time.perf_counter()
        populate(sims=args.sims)
        analyze()
        print(f"populated in {time.perf_counter() - t0:.0f}s; load average {os.getloadavg()}")
        figures["load_before"] = round(os.getloadavg()[0], 2)

        print(f"\n{'evaluation':40} {'s':>7} {'queries':>8} {'firing':>8} {'opened':>8} {'resolved':>8}")
        scopes = (("fleet", {"scope": "fleet", "fleet_id": FLEET}), ("account", {"scope": "account"}))
        for periods in (False, True):
            if periods:  # every SIM with a billing period that started 3 days ago: the per-SIM period plan
                add_billing_periods(sims=args.sims)
                analyze()
            for label, scope in scopes:
                name = f"{label}{'_periods' if periods else ''}"
                rule = AlertRule.objects.create(
                    name=f"bench {name}", condition="usage_percent", threshold=80, **scope
                )
                cond = condition_seconds(rule)
                figures[f"eval_{name}_condition_s"] = round(cond, 3)
                print(f"{'eval_' + name + '_condition (query only)':40} {cond:7.2f}")
                for step, threshold in (("open", 80), ("steady", 80), ("resolve", 100)):
                    seconds, queries, result = evaluate(rule, threshold)
                    key = f"eval_{name}_{step}"
                    figures[f"{key}_s"] = round(seconds, 3)
                    figures[f"{key}_queries"] = queries
                    figures[f"{key}_opened"] = len(result.opened)
                    ok = "ok" if seconds < EVAL_TARGET_S else "OVER"
                    print(
                        f"{key:40} {seconds:7.2f} {queries:8} {result.firing:8} {len(result.opened):8} "
                        f"{len(result.resolved):8}  {ok}"
                    )
                Alert.objects.filter(rule=rule).delete()
                rule.delete()

        t0 = time.perf_counter()
        open_count = max(args.alerts // 100, 1)
        alert_history(count=args.alerts, open_count=open_count)
        analyze()
        print(f"\n{args.alerts:,} alerts in history ({open_count:,} open) in {time.perf_counter() - t0:.0f}s")
        user = get_user_model().objects.create_superuser("bench", password="x")
        client = Client()
        client.force_login(user)
        cases = [
            ("alerts page (open)", "/alerts/"),
            ("alerts page (all)", "/alerts/?state=all"),
            ("alerts page (resolved, page 50)", "/alerts/?state=resolved&page=50"),
            ("alerts page (sim filter)", f"/alerts/?state=all&sim=HS{12345:032x}"),
            ("bell", "/alerts/bell/"),
            ("alerts page (all, 25 per page)", "/alerts/?state=all&per_page=25"),
            ("reference: SIM list (50 per page)", "/sims/"),
        ]
        print(f"\n{'page':40} {'p50 ms':>8} {'p95 ms':>8}  target {PAGE_TARGET_MS} ms")
        for name, url in cases:
            client.get(url)
            times = timed(client, url, args.repeat)
            p50, p95 = statistics.median(times), statistics.quantiles(times, n=20)[-1]
            key = "page_" + "".join(c if c.isalnum() else "_" for c in name).strip("_").replace("__", "_")
            figures[f"{key}_p50_ms"], figures[f"{key}_p95_ms"] = round(p50, 1), round(p95, 1)
            print(f"{name:40} {p50:8.1f} {p95:8.1f}  {'ok' if p95 < PAGE_TARGET_MS else 'OVER'}")
        figures["load_after"] = round(os.getloadavg()[0], 2)
        print(f"\nload average {os.getloadavg()}")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
