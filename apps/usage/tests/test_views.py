"""Usage page, chart JSON/CSV, per-SIM and per-fleet limits, and the home dashboard (local data only)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from apps.fleets.tests.factories import FleetFactory
from apps.sims.tests.factories import SimFactory
from apps.usage.models import UsageRecord
from apps.usage.selectors import fleet_sims_near_limit, sim_period_usage
from apps.usage.services import usage_rollups_rebuild

MB = 1_000_000


def _recent(days: int) -> dt.datetime:
    today = timezone.now().astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - dt.timedelta(days=days - 1)


def _rows(keys: list[str], days: int, *, group="sim", per_day=MB, start=None):
    start = start or timezone.now().astimezone(dt.UTC).replace(
        day=1, hour=0, minute=0, second=0, microsecond=0
    )
    UsageRecord.objects.bulk_create(
        UsageRecord(
            group=group, group_key=key, granularity="day", period_start=start + dt.timedelta(days=d),
            period_end=start + dt.timedelta(days=d + 1), data_upload=per_day // 4,
            data_download=per_day - per_day // 4,
            data_total=per_day, billed_unit="USD", data_total_billed=Decimal("0.1"),
        )
        for key in keys for d in range(days)
    )  # fmt: skip
    usage_rollups_rebuild()


@pytest.mark.django_db
def test_sim_period_usage_and_warning(settings):
    settings.USAGE_WARNING_PERCENT = 80
    fleet = FleetFactory(data_limit=10)  # 10 MB
    sims = [SimFactory(fleet=fleet) for _ in range(3)]
    _rows([sims[0].sid], 1, per_day=5 * MB)
    _rows([sims[1].sid], 1, per_day=9 * MB)
    _rows([sims[2].sid], 1, per_day=12 * MB)
    low, near, over = (sim_period_usage(sim=s) for s in sims)
    assert (low.used_bytes, low.limit_bytes, low.percent, low.warning) == (5 * MB, 10 * MB, 50.0, False)
    assert near.warning and not near.over and near.percent == 90.0
    assert over.over and over.warning
    rows = fleet_sims_near_limit(fleet=fleet)
    assert [r["key"] for r in rows] == [sims[2].sid, sims[1].sid, sims[0].sid]
    no_fleet = SimFactory(fleet=None)
    usage = sim_period_usage(sim=no_fleet)
    assert usage.limit_bytes is None and usage.percent is None and not usage.warning


@pytest.mark.django_db
def test_fleet_near_limit_partial(viewer_client):
    fleet = FleetFactory(data_limit=10)
    sim = SimFactory(fleet=fleet, unique_name="hot-sim")
    _rows([sim.sid], 1, per_day=12 * MB)
    response = viewer_client.get(
        reverse("usage:fleet_near_limit", kwargs={"sid": fleet.sid}), HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert response.status_code == 200 and "hot-sim" in body and "over limit" in body and "<html" not in body
    assert (
        viewer_client.get(reverse("usage:fleet_near_limit", kwargs={"sid": "HF" + "0" * 32})).status_code
        == 404
    )


@pytest.mark.django_db
def test_usage_page_and_errors(viewer_client, client):
    page = viewer_client.get(reverse("usage:usage_overview"))
    assert page.status_code == 200 and b'data-usage-chart="series"' in page.content
    assert b"chart.umd.min.js" in page.content and b"<script>" not in page.content
    url = reverse("usage:usage_chart_data")
    assert viewer_client.get(url, {"scope": "fleet"}).status_code == 400  # which fleet?
    bad = viewer_client.get(url, {"granularity": "hour", "start": "2025-01-01", "end": "2025-03-01"})
    assert bad.status_code == 400 and "31 days" in bad.json()["errors"][0]
    assert viewer_client.get(url, {"start": "2025-02-01", "end": "2025-01-01"}).status_code == 400
    assert viewer_client.get(url, {"chart": "nope"}).status_code == 404
    assert viewer_client.get(url, {"scope": "sim", "sim": "missing"}).status_code == 400
    assert viewer_client.get(url).status_code == 200  # defaults: the account, daily, last 30 days
    client.logout()
    assert client.get(url).status_code == 302  # logged out -> login


@pytest.mark.django_db
def test_sim_hourly_falls_back_to_daily(viewer_client):
    sim = SimFactory()
    _rows([sim.sid], 2, start=_recent(2))
    today = timezone.now().astimezone(dt.UTC).date()
    data = viewer_client.get(
        reverse("usage:usage_chart_data"),
        {
            "scope": "sim",
            "sim": sim.iccid,
            "granularity": "hour",
            "start": today - dt.timedelta(days=5),
            "end": today,
        },
    ).json()
    assert data["granularity"] == "day" and "not kept per SIM" in data["note"]
    assert sum(p["total"] for p in data["points"]) == 2 * MB


@pytest.mark.django_db
@pytest.mark.parametrize("sims", [3, 1500])
def test_chart_query_counts_fixed(viewer_client, django_assert_num_queries, sims):
    keys = [f"HS{i:032x}" for i in range(sims)]
    _rows(keys, 3, start=_recent(3))
    _rows(["AC" + "0" * 32], 3, group="account", start=_recent(3))
    _rows(["US", "DE"], 3, group="isoCountry", start=_recent(3))
    url = reverse("usage:usage_chart_data")
    viewer_client.get(url)
    with django_assert_num_queries(5):  # session, user, 2 perms, the series
        data = viewer_client.get(url, {"granularity": "month"}).json()
    assert data["totals"]["total"] == 3 * MB
    cache.clear()
    with django_assert_num_queries(8):  # + data version (2), the aggregate, the SIM labels (cold cache)
        top = viewer_client.get(url, {"chart": "top_sims"}).json()
    assert len(top["items"]) == min(sims, 10) and top["items"][0]["total"] == 3 * MB
    with django_assert_num_queries(6):  # warm: the data version only
        assert viewer_client.get(url, {"chart": "top_sims"}).json() == top
    with django_assert_num_queries(5):
        countries = viewer_client.get(url, {"chart": "countries"}).json()
    assert [i["key"] for i in countries["items"]] == ["DE", "US"]


@pytest.mark.django_db
def test_home_dashboard(viewer_client, django_assert_num_queries):
    from apps.commands.tests.factories import SmsCommandFactory

    fleet = FleetFactory()
    sims = [SimFactory(fleet=fleet, status="active") for _ in range(3)] + [SimFactory(status="inactive")]
    _rows([s.sid for s in sims], 2, start=_recent(2))
    _rows(["AC" + "0" * 32], 2, group="account", start=_recent(2))
    SmsCommandFactory(payload="hello dashboard", sim=sims[0])
    viewer_client.get("/")  # warms the session and the cached counts (SIM statuses: no query after)
    with django_assert_num_queries(13):  # + the first sync's runs (the first-sync card)
        page = viewer_client.get(reverse("core:home"))
    body = page.content.decode()
    assert page.status_code == 200
    assert (
        'data-status-count="active">active: 3' in body and 'data-status-count="inactive">inactive: 1' in body
    )
    assert "hello dashboard" in body and "Top SIMs" in body


@pytest.mark.django_db
def test_warm_cache_then_dashboard_reads_it(viewer_client, django_assert_num_queries):
    from apps.usage.tasks import usage_warm_cache_task

    sims = [SimFactory(status="active") for _ in range(3)]
    _rows([s.sid for s in sims], 2, start=_recent(2))
    assert usage_warm_cache_task.delay().get() == 2
    url = reverse("usage:usage_chart_data")
    viewer_client.get(reverse("core:home"))
    with django_assert_num_queries(6):  # session, user, 2 perms, data version (2): no aggregate
        top = viewer_client.get(url, {"chart": "top_sims"}).json()
    assert len(top["items"]) == 3
