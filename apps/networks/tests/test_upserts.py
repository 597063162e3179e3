import datetime as dt

import pytest

from apps.core.upsert import UpsertResult
from apps.networks import services
from apps.networks.models import Network, NetworkAccessProfile, NetworkAccessProfileNetwork

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC)
NAP_A = "HA" + "a" * 32
NAP_B = "HA" + "b" * 32


def network_item(i, **extra):
    return {
        "sid": f"HW{i:032x}",
        "friendly_name": f"Carrier {i}",
        "iso_country": "US",
        "identifiers": [{"mcc": "310", "mnc": f"{i:03d}"}],
        "url": f"https://supersim.twilio.com/v1/Networks/HW{i:032x}",
        **extra,
    }


def membership_item(i, nap_sid):
    item = network_item(i)
    item["network_access_profile_sid"] = nap_sid
    return item


def test_networks_upsert_denormalises_mcc_mnc_and_sweeps():
    items = [network_item(i) for i in range(3)]
    assert services.networks_upsert(items=items, run_id=1, now=NOW) == UpsertResult(created=3)
    net = Network.objects.get(sid=items[1]["sid"])
    assert net.identifiers == [{"mcc": "310", "mnc": "001"}]
    assert "310-001" in net.mcc_mnc and "310001" in net.mcc_mnc
    assert Network.objects.filter(mcc_mnc__contains="310-002").count() == 1
    services.networks_upsert(items=items[:2], run_id=2, now=NOW)
    assert services.networks_sweep(run_id=2, now=NOW) == 1
    assert Network.objects.count() == 3


def test_naps_upsert_and_from_api():
    items = [{"sid": NAP_A, "unique_name": "eu-only", "account_sid": "AC" + "0" * 32, "links": {}}]
    assert services.naps_upsert(items=items, run_id=1, now=NOW) == UpsertResult(created=1)
    assert services.naps_upsert(items=items, run_id=2, now=NOW) == UpsertResult(unchanged=1)
    nap = services.nap_from_api(data={**items[0], "unique_name": "renamed"})
    assert isinstance(nap, NetworkAccessProfile) and nap.unique_name == "renamed"
    assert services.naps_sweep(run_id=3, now=NOW) == 1


def test_same_network_in_two_naps():
    """The membership's SID is the network's SID: keyed by (nap, network), not by SID."""
    services.nap_networks_upsert(nap_sid=NAP_A, items=[membership_item(1, NAP_A)], run_id=1, now=NOW)
    result = services.nap_networks_upsert(nap_sid=NAP_B, items=[membership_item(1, NAP_B)], run_id=1, now=NOW)
    assert result == UpsertResult(created=1)
    assert NetworkAccessProfileNetwork.objects.count() == 2


def test_nap_networks_sweep_is_scoped_to_its_nap():
    services.nap_networks_upsert(
        nap_sid=NAP_A, items=[membership_item(i, NAP_A) for i in range(3)], run_id=1, now=NOW
    )
    services.nap_networks_upsert(nap_sid=NAP_B, items=[membership_item(9, NAP_B)], run_id=1, now=NOW)
    result = services.nap_networks_upsert(
        nap_sid=NAP_A, items=[membership_item(i, NAP_A) for i in range(2)], run_id=2, now=NOW
    )
    assert result == UpsertResult(unchanged=2)
    assert services.nap_networks_sweep(nap_sid=NAP_A, run_id=2, now=NOW) == 1
    assert (
        NetworkAccessProfileNetwork.objects.filter(removed_at__isnull=False).get().network_id == f"HW{2:032x}"
    )
    assert NetworkAccessProfileNetwork.objects.get(nap_id=NAP_B).removed_at is None
    # network re-added to the NAP: the removed membership is restored
    result = services.nap_networks_upsert(nap_sid=NAP_A, items=[membership_item(2, NAP_A)], run_id=3, now=NOW)
    assert result == UpsertResult(updated=1)
    assert NetworkAccessProfileNetwork.objects.filter(removed_at__isnull=True).count() == 4


def test_memberships_reference_unsynced_nap_and_network():
    services.nap_networks_upsert(nap_sid=NAP_A, items=[membership_item(5, NAP_A)], run_id=1, now=NOW)
    m = NetworkAccessProfileNetwork.objects.get()
    assert m.nap_id == NAP_A and m.network_id == f"HW{5:032x}"
    NetworkAccessProfile.objects.create(sid=NAP_A, unique_name="late")
    services.networks_upsert(items=[network_item(5)], run_id=1, now=NOW)
    nap = NetworkAccessProfile.objects.get()
    assert [n.sid for n in nap.networks] == [f"HW{5:032x}"]


def test_nap_network_from_api_and_mark_removed():
    m = services.nap_network_from_api(data=membership_item(3, NAP_A))
    assert m.nap_id == NAP_A and m.friendly_name == "Carrier 3"
    assert services.nap_network_mark_removed(nap_sid=NAP_A, network_sid=m.network_id) == 1
    assert services.nap_network_from_api(data=membership_item(3, NAP_A)).removed_at is None


@pytest.mark.parametrize("n", [10, 200])
def test_query_count_constant(n, django_assert_num_queries):
    with django_assert_num_queries(4):
        services.networks_upsert(items=[network_item(i) for i in range(n)], run_id=1, now=NOW)
    with django_assert_num_queries(4):
        services.nap_networks_upsert(
            nap_sid=NAP_A, items=[membership_item(i, NAP_A) for i in range(n)], run_id=1, now=NOW
        )
    with django_assert_num_queries(4):
        services.nap_networks_upsert(
            nap_sid=NAP_A, items=[membership_item(i, NAP_A) for i in range(n)], run_id=2, now=NOW
        )
