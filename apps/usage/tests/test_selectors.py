"""Charts' aggregates equal what the sandbox's own tables say was used (its SIMs' rates times its hourly
weights, read from the sandbox's models, not through our client) for the same window and grouping, after a
sync over real HTTP."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import UTC, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.sandbox import models as sandbox
from apps.sandbox.usage import weight
from apps.usage.models import UsageRecord
from apps.usage.selectors import Window, usage_breakdown, usage_series


def _day(value):
    return value.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def _z(value) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _periods(window: Window, step: timedelta) -> list:
    out, at = [], window.start
    while at < window.end:
        out.append(at)
        at += step
    return out


def _sandbox_rates(**filters) -> dict[str, tuple[int, int]]:
    """sim sid -> (rate_up, rate_down) of the sandbox SIMs that use data (active, on a network)."""
    sims = sandbox.Sim.objects.filter(status="active", home_network__isnull=False, **filters)
    return {s.sid: (s.rate_up, s.rate_down) for s in sims}


def _used(rates: dict, start, end) -> tuple[int, int, int]:
    """(upload, download, total) bytes the sandbox counts for these SIMs in [start, end)."""
    w = weight(int(start.timestamp()), int(end.timestamp()))
    up = sum(r[0] for r in rates.values()) * w
    down = sum(r[1] for r in rates.values()) * w
    return up, down, up + down


def _totals_by(field: str, window: Window) -> dict[str, int]:
    """Total bytes in ``window`` per value of a sandbox Sim field (sid, home network, its country)."""
    out: dict[str, int] = defaultdict(int)
    sims = sandbox.Sim.objects.filter(status="active", home_network__isnull=False)
    w = weight(int(window.start.timestamp()), int(window.end.timestamp()))
    for key, up, down in sims.values_list(field, "rate_up", "rate_down"):
        out[key] += (up + down) * w
    return dict(out)


@pytest.mark.django_db(transaction=True)
@pytest.mark.providers
def test_series_and_breakdowns_equal_the_sandbox_s_own_numbers(synced_usage, viewer_client):
    today = _day(timezone.now())
    window = Window(today - timedelta(days=4), today)  # whole past days only: nothing moves meanwhile
    days = _periods(window, timedelta(days=1))
    everyone = _sandbox_rates()
    assert len(everyone) >= 5 and UsageRecord.objects.filter(group="sim", granularity="day").exists()

    # the account, per day
    ours = usage_series(group="account", key=None, granularity="day", window=window)
    expected = [(_z(d), *_used(everyone, d, d + timedelta(days=1))) for d in days]
    assert [(p["period"], p["upload"], p["download"], p["total"]) for p in ours["points"]] == expected
    assert ours["currency"] == "USD"
    total = sum(e[3] for e in expected)
    assert ours["totals"]["total"] == total > 0
    assert ours["totals"]["billed"] == pytest.approx(total / 1_000_000 * 0.10, abs=1e-4)

    # one fleet and one SIM, per day
    fleet = sandbox.Fleet.objects.filter(sims__status="active").values_list("sid", flat=True).first()
    fleet_rates = _sandbox_rates(fleet__sid=fleet)
    ours = usage_series(group="fleet", key=fleet, granularity="day", window=window)
    assert [p["total"] for p in ours["points"]] == [
        _used(fleet_rates, d, d + timedelta(days=1))[2] for d in days
    ]
    sim = next(sid for sid, rates in everyone.items() if sum(rates))
    ours = usage_series(group="sim", key=sim, granularity="day", window=window)
    assert [p["total"] for p in ours["points"]] == [
        _used({sim: everyone[sim]}, d, d + timedelta(days=1))[2] for d in days
    ]

    # monthly = the whole window in one bucket (it lies within one or two calendar months)
    ours = usage_series(group="account", key=None, granularity="month", window=window)
    assert ours["totals"]["total"] == _used(everyone, window.start, window.end)[2]

    # top SIMs, countries, networks: each item is the sandbox's total for that key, the biggest first
    for group, field in (
        ("sim", "sid"),
        ("isoCountry", "home_network__iso_country"),
        ("network", "home_network__sid"),
    ):
        theirs = _totals_by(field, window)
        ours = usage_breakdown(group=group, window=window, limit=5)
        assert [i["total"] for i in ours["items"]] == sorted(theirs.values(), reverse=True)[:5], group
        assert {i["key"]: i["total"] for i in ours["items"]}.items() <= theirs.items(), group

    # hourly (kept for the last two days): three whole past hours
    hour = timezone.now().astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    hours = Window(hour - timedelta(hours=3), hour)
    ours = usage_series(group="account", key=None, granularity="hour", window=hours)
    assert [(p["period"], p["total"]) for p in ours["points"]] == [
        (_z(h), _used(everyone, h, h + timedelta(hours=1))[2]) for h in _periods(hours, timedelta(hours=1))
    ]

    # the chart endpoint and its CSV say the same, for the fleet
    query = {
        "scope": "fleet",
        "fleet": fleet,
        "granularity": "day",
        "start": window.start.date().isoformat(),
        "end": (window.end - timedelta(days=1)).date().isoformat(),
    }
    per_day = [_used(fleet_rates, d, d + timedelta(days=1))[2] for d in days]
    data = viewer_client.get(reverse("usage:usage_chart_data"), query).json()
    assert [p["total"] for p in data["points"]] == per_day
    response = viewer_client.get(reverse("usage:usage_export_csv"), query)
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["period_start", "data_upload", "data_download", "data_total", "billed_USD"]
    assert [int(r[3]) for r in rows[1:]] == per_day
    # the fleet's top SIMs are the fleet's SIMs that used data, no other
    top = viewer_client.get(reverse("usage:usage_chart_data"), query | {"chart": "top_sims"}).json()
    used = {sid for sid, rates in fleet_rates.items() if sum(rates)}
    assert {i["key"] for i in top["items"]} <= used and len(top["items"]) == min(10, len(used)) > 0
    assert top["items"][0]["url"].startswith("/sims/")


@pytest.mark.django_db(transaction=True)
def test_a_usage_sync_warms_the_top_sims_cache(synced_usage, viewer_client, django_assert_num_queries):
    # the sync queued usage.warm_cache (eager here): the first top-SIMs request reads the cache, no aggregate
    viewer_client.get(reverse("usage:usage_overview"))  # the session's first request writes its timestamps
    with django_assert_num_queries(6):  # session, user, 2 perms, data version (2)
        top = viewer_client.get(reverse("usage:usage_chart_data"), {"chart": "top_sims"}).json()
    assert top["items"]
