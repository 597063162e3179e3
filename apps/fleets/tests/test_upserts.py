import datetime as dt

import pytest

from apps.core.upsert import UpsertResult
from apps.fleets import services
from apps.fleets.models import Fleet

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC)


def fleet_item(i, **extra):
    return {
        "account_sid": "AC" + "0" * 32,
        "sid": f"HF{i:032x}",
        "unique_name": f"fleet-{i}",
        "date_created": "2024-01-01T00:00:00Z",
        "date_updated": "2024-01-02T00:00:00Z",
        "url": f"https://supersim.twilio.com/v1/Fleets/HF{i:032x}",
        "data_enabled": True,
        "data_limit": 1000,
        "data_metering": "payg",
        "sms_commands_enabled": True,
        "sms_commands_url": "https://example.com/sms",
        "sms_commands_method": "POST",
        "network_access_profile_sid": "HA" + "a" * 32,
        "ip_commands_url": None,
        "ip_commands_method": "POST",
        **extra,
    }


def test_fleets_upsert_maps_every_field():
    assert services.fleets_upsert(items=[fleet_item(1)], run_id=1, now=NOW) == UpsertResult(created=1)
    f = Fleet.objects.get()
    assert (f.unique_name, f.data_enabled, f.data_limit, f.data_metering) == ("fleet-1", True, 1000, "payg")
    assert f.sms_commands_enabled and f.sms_commands_url == "https://example.com/sms"
    assert f.sms_commands_method == "POST" and f.ip_commands_url == "" and f.ip_commands_method == "POST"
    assert f.network_access_profile_id == "HA" + "a" * 32  # NAP not synced yet: fine
    assert f.date_created == dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def test_fleets_update_unchanged_sweep():
    items = [fleet_item(i) for i in range(3)]
    services.fleets_upsert(items=items, run_id=1, now=NOW)
    items[0]["data_limit"] = 50
    assert services.fleets_upsert(items=items[:2], run_id=2, now=NOW) == UpsertResult(updated=1, unchanged=1)
    assert Fleet.objects.get(sid=items[0]["sid"]).data_limit == 50
    assert services.fleets_sweep(run_id=2, now=NOW) == 1
    assert Fleet.objects.count() == 3


def test_fleet_from_api():
    fleet = services.fleet_from_api(data=fleet_item(4, data_enabled=False))
    assert isinstance(fleet, Fleet) and fleet.pk and fleet.data_enabled is False


@pytest.mark.parametrize("n", [10, 200])
def test_query_count_constant(n, django_assert_num_queries):
    with django_assert_num_queries(4):
        services.fleets_upsert(items=[fleet_item(i) for i in range(n)], run_id=1, now=NOW)
