import datetime as dt

import factory
from factory.django import DjangoModelFactory

from apps.fleets.models import Fleet
from apps.networks.tests.factories import NetworkAccessProfileFactory


class FleetFactory(DjangoModelFactory):
    class Meta:
        model = Fleet

    sid = factory.Sequence(lambda n: f"HF{n:032x}")
    unique_name = factory.Sequence(lambda n: f"fleet-{n}")
    data_enabled = True
    data_limit = 1000
    data_metering = "payg"
    sms_commands_enabled = True
    sms_commands_method = "POST"
    ip_commands_method = "POST"
    network_access_profile = factory.SubFactory(NetworkAccessProfileFactory)
    date_created = factory.Faker("date_time_this_year", tzinfo=dt.UTC)
