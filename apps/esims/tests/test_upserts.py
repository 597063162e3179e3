import datetime as dt

import pytest

from apps.core.upsert import UpsertResult
from apps.esims import services
from apps.esims.models import EsimProfile

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC)


def profile_item(i, **extra):
    return {
        "sid": f"HP{i:032x}",
        "account_sid": "AC" + "0" * 32,
        "iccid": f"8988307000000{i:06d}",
        "sim_sid": f"HS{i:032x}",
        "status": "available",
        "eid": f"8904903200{i:022d}",
        "smdp_plus_address": "https://sm-dp-plus.example.com",
        "matching_id": f"M-{i}",
        "activation_code": f"LPA:1$sm-dp-plus.example.com$M-{i}",
        "error_code": None,
        "error_message": None,
        "date_created": "2024-01-01T00:00:00Z",
        "date_updated": "2024-01-01T00:00:00Z",
        "url": f"https://supersim.twilio.com/v1/ESimProfiles/HP{i:032x}",
        **extra,
    }


def test_esim_profiles_upsert_sweep_and_from_api():
    items = [profile_item(i) for i in range(3)]
    assert services.esim_profiles_upsert(items=items, run_id=1, now=NOW) == UpsertResult(created=3)
    p = EsimProfile.objects.get(sid=items[0]["sid"])
    assert p.sim_sid == items[0]["sim_sid"] and p.eid == items[0]["eid"]
    assert p.activation_code.startswith("LPA:1$") and p.error_code == "" and p.status_badge_class
    items[0] = profile_item(0, status="failed", error_code="5000", error_message="boom")
    result = services.esim_profiles_upsert(items=items[:2], run_id=2, now=NOW)
    assert result == UpsertResult(updated=1, unchanged=1)
    assert EsimProfile.objects.get(sid=items[0]["sid"]).error_message == "boom"
    assert services.esim_profiles_sweep(run_id=2, now=NOW) == 1
    assert EsimProfile.objects.count() == 3
    p = services.esim_profile_from_api(data=profile_item(2, status="installed"))
    assert p.status == "installed" and p.removed_at is None


@pytest.mark.parametrize("n", [10, 200])
def test_query_count_constant(n, django_assert_num_queries):
    with django_assert_num_queries(4):
        services.esim_profiles_upsert(items=[profile_item(i) for i in range(n)], run_id=1, now=NOW)
