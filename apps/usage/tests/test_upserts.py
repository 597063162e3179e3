import datetime as dt
from decimal import Decimal

import pytest

from apps.core.upsert import UpsertResult
from apps.usage import services
from apps.usage.models import UsageRecord

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC)
ACCOUNT = "AC" + "0" * 32


def usage_item(day, *, hours=24, sim_sid=None, fleet_sid=None, network_sid=None, iso_country=None, total=100):
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=day)
    return {
        "account_sid": ACCOUNT,
        "sim_sid": sim_sid,
        "network_sid": network_sid,
        "fleet_sid": fleet_sid,
        "iso_country": iso_country,
        "period": {
            "start_time": start.isoformat().replace("+00:00", "Z"),
            "end_time": (start + dt.timedelta(hours=hours)).isoformat().replace("+00:00", "Z"),
        },
        "data_upload": total // 4,
        "data_download": total - total // 4,
        "data_total": total,
        "data_total_billed": 0.25,
        "billed_unit": "USD",
    }


def test_usage_upsert_is_idempotent():
    sim = "HS" + "1" * 32
    items = [usage_item(d, sim_sid=sim) for d in range(5)]
    assert services.usage_records_upsert(items=items, run_id=1, now=NOW) == UpsertResult(created=5)
    assert services.usage_records_upsert(items=items, run_id=2, now=NOW) == UpsertResult(unchanged=5)
    assert UsageRecord.objects.count() == 5
    rec = UsageRecord.objects.get(period_start=dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    assert (rec.group, rec.group_key, rec.granularity) == ("sim", sim, "day")
    assert rec.period_end == dt.datetime(2024, 1, 2, tzinfo=dt.UTC)
    assert (rec.data_upload, rec.data_download, rec.data_total) == (25, 75, 100)
    assert rec.data_total_billed == Decimal("0.25") and rec.billed_unit == "USD"
    # the provider revises a day's figures: the same row is updated, not doubled
    items[0] = usage_item(0, sim_sid=sim, total=5_000_000_000)
    assert services.usage_records_upsert(items=items, run_id=3, now=NOW) == UpsertResult(
        updated=1, unchanged=4
    )
    assert UsageRecord.objects.count() == 5
    assert UsageRecord.objects.get(period_start=rec.period_start).data_total == 5_000_000_000


def test_group_and_granularity_are_derived():
    items = [
        usage_item(0, fleet_sid="HF" + "1" * 32),
        usage_item(0, network_sid="HW" + "1" * 32),
        usage_item(0, iso_country="US"),
        usage_item(0),
        usage_item(0, hours=1, sim_sid="HS" + "2" * 32),
        usage_item(0, hours=24 * 30),
    ]
    services.usage_records_upsert(items=items, run_id=1, now=NOW)
    got = set(UsageRecord.objects.values_list("group", "group_key", "granularity"))
    assert got == {
        ("fleet", "HF" + "1" * 32, "day"),
        ("network", "HW" + "1" * 32, "day"),
        ("isoCountry", "US", "day"),
        ("account", ACCOUNT, "day"),
        ("sim", "HS" + "2" * 32, "hour"),
        ("account", ACCOUNT, "all"),
    }


def test_explicit_group_overrides_derivation():
    # grouped by fleet while filtered by one network: both SIDs present, the caller says which is the group
    item = usage_item(0, fleet_sid="HF" + "1" * 32, network_sid="HW" + "1" * 32)
    services.usage_records_upsert(items=[item], run_id=1, now=NOW, group="network", granularity="day")
    assert UsageRecord.objects.get().group_key == "HW" + "1" * 32


def test_records_without_a_period_are_skipped():
    item = usage_item(0)
    item["period"] = None
    assert services.usage_records_upsert(items=[item], run_id=1, now=NOW) == UpsertResult()


@pytest.mark.parametrize("n", [10, 200])
def test_query_count_constant(n, django_assert_num_queries):
    items = [usage_item(d % 90, sim_sid=f"HS{d:032x}") for d in range(n)]
    with django_assert_num_queries(4):
        services.usage_records_upsert(items=items, run_id=1, now=NOW)
    with django_assert_num_queries(4):
        services.usage_records_upsert(items=items, run_id=2, now=NOW)
