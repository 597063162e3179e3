"""Rollups equal the raw aggregate: random records, rebuilt window by window as the sync does, then random
windows and scopes read through the selectors and compared with sums over the raw UsageRecords (seeded)."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.cache import cache

from apps.fleets.tests.factories import FleetFactory
from apps.networks.tests.factories import NetworkFactory
from apps.sims.tests.factories import SimFactory
from apps.usage.models import UsageRecord, UsageRollup
from apps.usage.selectors import Window, rollup_pieces, usage_breakdown, usage_series, usage_total
from apps.usage.services import usage_rollups_rebuild

from .conftest import today

DAYS = 75  # crosses two or three month boundaries
GROUPS = ("sim", "fleet", "network", "isoCountry", "account")


def _write(rng: random.Random, keys: dict[str, list[str]], start: dt.datetime, days: int) -> None:
    """(Re)write the daily records of [start, start + days): new values, some days missing."""
    UsageRecord.objects.filter(
        granularity="day", period_start__gte=start, period_start__lt=start + dt.timedelta(days=days)
    ).delete()
    rows = []
    for group, members in keys.items():
        for key in members:
            for d in range(days):
                if rng.random() < 0.15:
                    continue
                up, down = rng.randrange(0, 10**7), rng.randrange(0, 10**8)
                rows.append(
                    UsageRecord(
                        group=group,
                        group_key=key,
                        granularity="day",
                        period_start=start + dt.timedelta(days=d),
                        data_upload=up,
                        data_download=down,
                        data_total=up + down,
                        billed_unit="USD",
                        data_total_billed=Decimal(rng.randrange(0, 10**6)) / 10**6,
                    )
                )
    UsageRecord.objects.bulk_create(rows)


def _raw(group: str, window: Window, keys: set[str] | None) -> dict[str, list]:
    out: dict[str, list] = defaultdict(lambda: [0, 0, 0, Decimal(0)])
    qs = UsageRecord.objects.filter(
        group=group, granularity="day", period_start__gte=window.start, period_start__lt=window.end
    )
    for r in qs.values_list("group_key", "data_upload", "data_download", "data_total", "data_total_billed"):
        if keys is None or r[0] in keys:
            acc = out[r[0]]
            for i in range(3):
                acc[i] += r[i + 1]
            acc[3] += r[4] or 0
    return out


def _as_items(raw: dict[str, list]) -> list[tuple]:
    rows = [(k, v[0], v[1], v[2], round(float(v[3]), 6)) for k, v in raw.items()]
    return sorted(rows, key=lambda r: (-r[3], r[0]))


@pytest.mark.django_db
def test_rollups_equal_the_raw_aggregate_for_random_windows_and_scopes():
    rng = random.Random(16)
    fleets = [FleetFactory() for _ in range(2)]
    us = [NetworkFactory(iso_country="US") for _ in range(2)]
    de = NetworkFactory(iso_country="DE")
    sims = [SimFactory(fleet=fleets[i % 2]) for i in range(5)] + [SimFactory(fleet=None)]
    keys = {
        "sim": [s.sid for s in sims],
        "fleet": [f.sid for f in fleets],
        "network": [n.sid for n in (*us, de)],
        "isoCountry": ["US", "DE"],
        "account": ["AC" + "0" * 32],
    }
    first = today() - dt.timedelta(days=DAYS - 1)
    _write(rng, keys, first, DAYS)
    usage_rollups_rebuild()
    # syncs: rewrite random windows, rebuild exactly those (as the sync does after each query)
    for _ in range(4):
        start = first + dt.timedelta(days=rng.randrange(0, DAYS - 1))
        days = rng.randrange(1, (today() - start).days + 2)
        _write(rng, keys, start, days)
        for group in GROUPS:
            usage_rollups_rebuild(
                group=group, granularity="day", start=start, end=start + dt.timedelta(days=days)
            )
    assert UsageRollup.objects.filter(period="month").exists()

    scopes = [("account", None), ("fleet", fleets[0].sid), ("fleet", fleets[1].sid), ("isoCountry", "US")]
    checked = 0
    for _ in range(12):
        cache.clear()
        start = first - dt.timedelta(days=3) + dt.timedelta(days=rng.randrange(0, DAYS + 3))
        end = start + dt.timedelta(days=rng.randrange(1, DAYS))
        window = Window(start, end)
        for scope, key in scopes:
            group = "network" if scope == "isoCountry" else "sim"
            members = None
            if scope == "fleet":
                members = {s.sid for s in sims if s.fleet_id == key}
            elif scope == "isoCountry":
                members = {n.sid for n in us}
            got = usage_breakdown(group=group, window=window, limit=100, scope=scope, key=key)["items"]
            got = [(i["key"], i["upload"], i["download"], i["total"], i["billed"]) for i in got]
            assert got == _as_items(_raw(group, window, members)), (window, scope, key, rollup_pieces(window))
            checked += 1
        for group in ("fleet", "network", "isoCountry"):
            got = usage_breakdown(group=group, window=window, limit=100)["items"]
            got = [(i["key"], i["upload"], i["download"], i["total"], i["billed"]) for i in got]
            assert got == _as_items(_raw(group, window, None))
        # the month series of one member and the account total: sums of the raw days
        sim = rng.choice(keys["sim"])
        series = usage_series(group="sim", key=sim, granularity="month", window=window)
        raw = _raw("sim", window, {sim}).get(sim, [0, 0, 0, Decimal(0)])
        assert series["totals"]["total"] == raw[2] and series["totals"]["upload"] == raw[0]
        months = {p["period"][:7] for p in series["points"]}
        assert len(months) == len(series["points"])
        if end - start >= dt.timedelta(days=2):
            account = _raw("account", window, None).get("AC" + "0" * 32, [0, 0, 0, 0])
            assert usage_total(window=window)["total"] == account[2]
    assert checked == 48


@pytest.mark.django_db
def test_a_window_rebuild_touches_only_that_window():
    """Rows outside the rebuilt window keep their rollups even when their raw records changed."""
    day = today() - dt.timedelta(days=3)
    for d in range(3):
        UsageRecord.objects.create(
            group="fleet", group_key="HF" + "1" * 32, granularity="day",
            period_start=day + dt.timedelta(days=d), data_total=10,
        )  # fmt: skip
    usage_rollups_rebuild()
    UsageRecord.objects.filter(period_start=day).update(data_total=99)
    UsageRecord.objects.filter(period_start=day + dt.timedelta(days=1)).update(data_total=7)
    usage_rollups_rebuild(
        group="fleet", granularity="day", start=day + dt.timedelta(days=1), end=day + dt.timedelta(days=2)
    )
    totals = dict(UsageRollup.objects.filter(period="day").values_list("period_start", "data_total"))
    assert totals == {day: 10, day + dt.timedelta(days=1): 7, day + dt.timedelta(days=2): 10}
    months = UsageRollup.objects.filter(period="month").values_list("data_total", flat=True)
    assert sum(months) == 27  # the month rows moved by exactly the day's difference
