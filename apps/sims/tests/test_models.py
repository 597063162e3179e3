import pytest

from apps.sims.models import Sim

from .factories import BillingPeriodFactory, SettingsUpdateFactory, SimFactory, SimIpAddressFactory

pytestmark = pytest.mark.django_db


def test_factories_and_str():
    sim = SimFactory(unique_name="tracker-1")
    assert str(sim) == "tracker-1"
    assert sim.fleet.sims.get() == sim
    assert sim.status_badge_class == "text-bg-success"
    assert str(SimFactory(unique_name="", iccid="8988")) == "8988"
    bp = BillingPeriodFactory(sim=sim)
    assert sim.billing_periods.get() == bp and str(bp)
    ip = SimIpAddressFactory(sim=sim)
    assert str(ip) == ip.ip_address and sim.ip_addresses.get() == ip
    su = SettingsUpdateFactory(sim=sim)
    assert su.status_badge_class == "text-bg-warning"
    assert sim.settings_updates.get() == su


def test_iccid_prefix_search_and_fleet_select_related(django_assert_num_queries):
    sims = SimFactory.create_batch(3)
    prefix = sims[0].iccid[:15]
    assert Sim.objects.filter(iccid__startswith=prefix).count() == 3
    with django_assert_num_queries(1):
        names = [s.fleet.unique_name for s in Sim.objects.select_related("fleet")]
    assert len(names) == 3


def test_ordering_newest_first():
    a, b = SimFactory.create_batch(2)
    expected = sorted([a, b], key=lambda s: (s.date_created, s.id), reverse=True)
    assert list(Sim.objects.all()) == expected
