import datetime as dt

import factory
from factory.django import DjangoModelFactory

from apps.commands.models import IpCommand, SmsCommand
from apps.sims.tests.factories import SimFactory


class SmsCommandFactory(DjangoModelFactory):
    class Meta:
        model = SmsCommand

    sid = factory.Sequence(lambda n: f"HC{n:032x}")
    sim = factory.SubFactory(SimFactory)
    payload = factory.Sequence(lambda n: f"ping {n}")
    status = "queued"
    direction = "to_sim"
    date_created = factory.Faker("date_time_this_year", tzinfo=dt.UTC)


class IpCommandFactory(DjangoModelFactory):
    class Meta:
        model = IpCommand

    sid = factory.Sequence(lambda n: f"HG{n:032x}")
    sim = factory.SubFactory(SimFactory)
    sim_iccid = factory.LazyAttribute(lambda o: o.sim.iccid)
    payload = factory.Sequence(lambda n: f"ping {n}")
    payload_type = "text"
    status = "queued"
    direction = "to_sim"
    device_ip = "100.64.0.1"
    device_port = 6000
    date_created = factory.Faker("date_time_this_year", tzinfo=dt.UTC)
