import datetime as dt

import pytest

from apps.core.upsert import UpsertResult
from apps.fleets.models import Fleet
from apps.sims import services
from apps.sims.models import BillingPeriod, SettingsUpdate, Sim, SimIpAddress

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC)


def sim_item(i, *, status="active", fleet_sid=None):
    return {
        "sid": f"HS{i:032x}",
        "unique_name": f"sim-{i}",
        "account_sid": "AC" + "0" * 32,
        "iccid": f"8988307000000{i:06d}",
        "status": status,
        "fleet_sid": fleet_sid,
        "date_created": "2024-01-02T03:04:05Z",
        "date_updated": "2024-01-03T03:04:05Z",
        "url": f"https://supersim.twilio.com/v1/Sims/HS{i:032x}",
        "links": {"billing_periods": "x"},
    }


def test_sims_upsert_maps_fields_and_counts():
    items = [sim_item(i, fleet_sid="HF" + "1" * 32) for i in range(3)]
    assert services.sims_upsert(items=items, run_id=1, now=NOW) == UpsertResult(created=3)
    sim = Sim.objects.get(sid=items[0]["sid"])
    assert sim.unique_name == "sim-0" and sim.status == "active" and sim.iccid == "8988307000000000000"
    assert sim.date_created == dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    assert sim.raw == items[0] and sim.last_seen_run_id == 1
    items[1]["status"] = "inactive"
    assert services.sims_upsert(items=items, run_id=2, now=NOW) == UpsertResult(updated=1, unchanged=2)
    assert Sim.objects.get(sid=items[1]["sid"]).status == "inactive"


def test_fk_to_a_fleet_not_synced_yet_does_not_fail():
    fleet_sid = "HF" + "a" * 32
    services.sims_upsert(items=[sim_item(1, fleet_sid=fleet_sid)], run_id=1, now=NOW)
    sim = Sim.objects.get()
    assert sim.fleet_id == fleet_sid
    assert not Fleet.objects.exists()
    Fleet.objects.create(sid=fleet_sid, unique_name="late")
    assert Sim.objects.select_related("fleet").get().fleet.unique_name == "late"
    assert list(Fleet.objects.get().sims.all()) == [sim]


def test_sims_sweep_marks_unseen_never_deletes():
    services.sims_upsert(items=[sim_item(i) for i in range(5)], run_id=1, now=NOW)
    services.sims_upsert(items=[sim_item(i) for i in range(3)], run_id=2, now=NOW)
    assert services.sims_sweep(run_id=2, now=NOW) == 2
    assert Sim.objects.count() == 5
    assert Sim.objects.filter(removed_at=NOW).count() == 2
    # seen again: restored
    services.sims_upsert(items=[sim_item(4)], run_id=3, now=NOW)
    assert Sim.objects.get(sid=sim_item(4)["sid"]).removed_at is None


@pytest.mark.parametrize("n", [10, 200])
def test_sims_upsert_query_count_constant(n, django_assert_num_queries):
    with django_assert_num_queries(4):
        services.sims_upsert(items=[sim_item(i) for i in range(n)], run_id=1, now=NOW)
    with django_assert_num_queries(4):
        services.sims_upsert(items=[sim_item(i) for i in range(n)], run_id=2, now=NOW)


def test_sim_from_api_returns_instance_and_keeps_run_stamp():
    services.sims_upsert(items=[sim_item(1)], run_id=7, now=NOW)
    sim = services.sim_from_api(data=sim_item(1, status="scheduled"))
    assert isinstance(sim, Sim) and sim.pk and sim.status == "scheduled"
    assert sim.last_seen_run_id == 7
    new = services.sim_from_api(data=sim_item(2))
    assert new.sid == sim_item(2)["sid"] and Sim.objects.count() == 2


def test_billing_periods_upsert_and_sweep():
    sim_sid = "HS" + "b" * 32
    items = [
        {
            "sid": f"HB{i:032x}",
            "account_sid": "AC" + "0" * 32,
            "sim_sid": sim_sid,
            "start_time": f"2024-0{i + 1}-01T00:00:00Z",
            "end_time": f"2024-0{i + 2}-01T00:00:00Z",
            "period_type": "active",
            "date_created": "2024-01-01T00:00:00Z",
            "date_updated": "2024-01-01T00:00:00Z",
        }
        for i in range(3)
    ]
    result = services.billing_periods_upsert(sim_sid=sim_sid, items=items, run_id=1, now=NOW)
    assert result == UpsertResult(created=3)
    bp = BillingPeriod.objects.get(sid=items[0]["sid"])
    assert bp.sim_id == sim_sid and bp.period_type == "active"
    assert bp.start_time == dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    services.billing_periods_upsert(sim_sid=sim_sid, items=items[:2], run_id=2, now=NOW)
    assert services.billing_periods_sweep(sim_sid=sim_sid, run_id=2, now=NOW) == 1
    assert BillingPeriod.objects.count() == 3


def test_sim_ip_addresses_replace_the_set():
    sim_sid = "HS" + "c" * 32
    other = "HS" + "d" * 32
    services.sim_ip_addresses_upsert(
        sim_sid=other, items=[{"ip_address": "10.0.0.9", "ip_address_version": "IPv4"}], run_id=1, now=NOW
    )
    first = [
        {"ip_address": "10.0.0.1", "ip_address_version": "IPv4"},
        {"ip_address": "fd00::1", "ip_address_version": "IPv6"},
    ]
    assert services.sim_ip_addresses_upsert(sim_sid=sim_sid, items=first, run_id=1, now=NOW) == UpsertResult(
        created=2
    )
    second = [first[1], {"ip_address": "10.0.0.2", "ip_address_version": "IPv4"}]
    result = services.sim_ip_addresses_upsert(sim_sid=sim_sid, items=second, run_id=2, now=NOW)
    assert result == UpsertResult(created=1, unchanged=1)
    assert set(SimIpAddress.objects.filter(sim_id=sim_sid).values_list("ip_address", flat=True)) == {
        "fd00::1",
        "10.0.0.2",
    }
    assert SimIpAddress.objects.filter(sim_id=other).count() == 1
    services.sim_ip_addresses_upsert(sim_sid=sim_sid, items=[], run_id=3, now=NOW)
    assert not SimIpAddress.objects.filter(sim_id=sim_sid).exists()


def test_settings_updates_upsert_and_sweep():
    items = [
        {
            "sid": f"OB{i:032x}",
            "iccid": f"8988307000000{i:06d}",
            "sim_sid": f"HS{i:032x}",
            "status": "scheduled",
            "packages": [{"name": "base-settings", "version": "1.0.0"}],
            "date_completed": None,
            "date_created": "2024-01-01T00:00:00Z",
            "date_updated": "2024-01-01T00:00:00Z",
        }
        for i in range(2)
    ]
    assert services.settings_updates_upsert(items=items, run_id=1, now=NOW) == UpsertResult(created=2)
    items[0] = {**items[0], "status": "successful", "date_completed": "2024-01-02T00:00:00Z"}
    assert services.settings_updates_upsert(items=items[:1], run_id=2, now=NOW) == UpsertResult(updated=1)
    su = SettingsUpdate.objects.get(sid=items[0]["sid"])
    assert su.status == "successful" and su.date_completed == dt.datetime(2024, 1, 2, tzinfo=dt.UTC)
    assert su.packages == [{"name": "base-settings", "version": "1.0.0"}]
    assert services.settings_updates_sweep(run_id=2, now=NOW) == 1
    assert services.settings_update_from_api(data=items[1]).removed_at is None
