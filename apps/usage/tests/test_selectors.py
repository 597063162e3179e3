"""Charts' aggregates equal the sandbox's own UsageRecords (fetched through the client) for the same
window and grouping, after a sync over real HTTP."""

from __future__ import annotations

import csv
import io
from datetime import UTC, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.supersim.client import get_client
from apps.usage.models import UsageRecord
from apps.usage.selectors import Window, usage_breakdown, usage_series


def _day(value):
    return value.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def _z(value) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _api_start(item) -> str:
    return item["period"]["start_time"].replace("+00:00", "Z")


@pytest.mark.django_db(transaction=True)
@pytest.mark.providers
def test_series_and_breakdowns_equal_the_api(synced_usage, viewer_client):
    api = get_client()
    today = _day(timezone.now())
    window = Window(today - timedelta(days=4), today)  # whole past days only: nothing moves meanwhile
    assert UsageRecord.objects.filter(group="sim", granularity="day").exists()

    # the account, per day
    ours = usage_series(group="account", key=None, granularity="day", window=window)
    theirs = api.usage_records(granularity="day", start_time=window.start, end_time=window.end)
    assert [(p["period"], p["upload"], p["download"], p["total"]) for p in ours["points"]] == [
        (_api_start(r), r["data_upload"], r["data_download"], r["data_total"]) for r in theirs
    ]
    assert ours["totals"]["total"] > 0 and ours["currency"] == "USD"
    assert ours["totals"]["billed"] == pytest.approx(
        sum(float(r["data_total_billed"]) for r in theirs), abs=1e-4
    )

    # one fleet and one SIM, per day
    fleet = UsageRecord.objects.filter(group="fleet").values_list("group_key", flat=True).first()
    ours = usage_series(group="fleet", key=fleet, granularity="day", window=window)
    theirs = api.usage_records(fleet=fleet, granularity="day", start_time=window.start, end_time=window.end)
    assert [p["total"] for p in ours["points"]] == [r["data_total"] for r in theirs]
    sim = (
        UsageRecord.objects.filter(group="sim", data_total__gt=0).values_list("group_key", flat=True).first()
    )
    ours = usage_series(group="sim", key=sim, granularity="day", window=window)
    theirs = api.usage_records(sim=sim, granularity="day", start_time=window.start, end_time=window.end)
    assert [p["total"] for p in ours["points"]] == [r["data_total"] for r in theirs]

    # monthly = the same window as one "all" record per SIM / group
    ours = usage_series(group="account", key=None, granularity="month", window=window)
    (whole,) = api.usage_records(granularity="all", start_time=window.start, end_time=window.end)
    assert ours["totals"]["total"] == whole["data_total"]

    # top SIMs, countries, networks
    for group, field in (("sim", "sim_sid"), ("isoCountry", "iso_country"), ("network", "network_sid")):
        ours = usage_breakdown(group=group, window=window, limit=5)
        theirs = api.usage_records(
            group=group, granularity="all", start_time=window.start, end_time=window.end
        )
        theirs = sorted(theirs, key=lambda r: (-r["data_total"], r[field]))[:5]
        assert [(i["key"], i["total"]) for i in ours["items"]] == [
            (r[field], r["data_total"]) for r in theirs
        ]

    # hourly (kept for the last two days): three whole past hours
    hour = timezone.now().astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    hours = Window(hour - timedelta(hours=3), hour)
    ours = usage_series(group="account", key=None, granularity="hour", window=hours)
    theirs = api.usage_records(granularity="hour", start_time=hours.start, end_time=hours.end)
    assert [(p["period"], p["total"]) for p in ours["points"]] == [
        (_api_start(r), r["data_total"]) for r in theirs
    ]

    # the chart endpoint and its CSV say the same
    query = {
        "scope": "fleet",
        "fleet": fleet,
        "granularity": "day",
        "start": window.start.date().isoformat(),
        "end": (window.end - timedelta(days=1)).date().isoformat(),
    }
    data = viewer_client.get(reverse("usage:usage_chart_data"), query).json()
    theirs = api.usage_records(fleet=fleet, granularity="day", start_time=window.start, end_time=window.end)
    assert [p["total"] for p in data["points"]] == [r["data_total"] for r in theirs]
    response = viewer_client.get(reverse("usage:usage_export_csv"), query)
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["period_start", "data_upload", "data_download", "data_total", "billed_USD"]
    assert [int(r[3]) for r in rows[1:]] == [r["data_total"] for r in theirs]
    top = viewer_client.get(reverse("usage:usage_chart_data"), query | {"chart": "top_sims"}).json()
    assert len(top["items"]) == 10 and top["items"][0]["url"].startswith("/sims/")


@pytest.mark.django_db(transaction=True)
def test_a_usage_sync_warms_the_top_sims_cache(synced_usage, viewer_client, django_assert_num_queries):
    # the sync queued usage.warm_cache (eager here): the first top-SIMs request reads the cache, no aggregate
    viewer_client.get(reverse("usage:usage_overview"))  # the session's first request writes its timestamps
    with django_assert_num_queries(6):  # session, user, 2 perms, data version (2)
        top = viewer_client.get(reverse("usage:usage_chart_data"), {"chart": "top_sims"}).json()
    assert top["items"]
