import datetime as dt

import factory
from factory.django import DjangoModelFactory

from apps.esims.models import EsimProfile
from apps.sims.tests.factories import SimFactory


class EsimProfileFactory(DjangoModelFactory):
    class Meta:
        model = EsimProfile

    sid = factory.Sequence(lambda n: f"HP{n:032x}")
    sim = factory.SubFactory(SimFactory)
    iccid = factory.LazyAttribute(lambda o: o.sim.iccid)
    eid = factory.Sequence(lambda n: f"8904903200{n:022d}")
    status = "available"
    smdp_plus_address = "https://sm-dp-plus.example.com"
    matching_id = factory.Sequence(lambda n: f"MATCH-{n:06d}")
    activation_code = factory.LazyAttribute(lambda o: f"LPA:1$sm-dp-plus.example.com${o.matching_id}")
    date_created = factory.Faker("date_time_this_year", tzinfo=dt.UTC)
