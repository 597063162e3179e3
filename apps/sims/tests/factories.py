import datetime as dt

import factory
from factory.django import DjangoModelFactory

from apps.fleets.tests.factories import FleetFactory
from apps.sims.models import BillingPeriod, SettingsUpdate, Sim, SimIpAddress


class SimFactory(DjangoModelFactory):
    class Meta:
        model = Sim

    sid = factory.Sequence(lambda n: f"HS{n:032x}")
    unique_name = factory.Sequence(lambda n: f"sim-{n}")
    iccid = factory.Sequence(lambda n: f"89883070000{n:08d}")
    status = "active"
    fleet = factory.SubFactory(FleetFactory)
    date_created = factory.Faker("date_time_this_year", tzinfo=dt.UTC)
    date_updated = factory.LazyAttribute(lambda o: o.date_created)


class BillingPeriodFactory(DjangoModelFactory):
    class Meta:
        model = BillingPeriod

    sid = factory.Sequence(lambda n: f"HB{n:032x}")
    sim = factory.SubFactory(SimFactory)
    period_type = "active"
    start_time = factory.LazyFunction(lambda: dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    end_time = factory.LazyAttribute(lambda o: o.start_time + dt.timedelta(days=31))


class SimIpAddressFactory(DjangoModelFactory):
    class Meta:
        model = SimIpAddress

    sim = factory.SubFactory(SimFactory)
    ip_address = factory.Sequence(lambda n: f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}")
    ip_address_version = "IPv4"


class SettingsUpdateFactory(DjangoModelFactory):
    class Meta:
        model = SettingsUpdate

    sid = factory.Sequence(lambda n: f"OB{n:032x}")
    sim = factory.SubFactory(SimFactory)
    iccid = factory.LazyAttribute(lambda o: o.sim.iccid)
    status = "scheduled"
    packages = factory.LazyFunction(lambda: [{"name": "base-settings", "version": "1.0.0"}])
    date_created = factory.Faker("date_time_this_year", tzinfo=dt.UTC)
