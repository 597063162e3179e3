import datetime as dt
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from apps.usage.models import UsageRecord
from apps.usage.services import usage_rollups_rebuild


class UsageRecordFactory(DjangoModelFactory):
    class Meta:
        model = UsageRecord
        skip_postgeneration_save = True

    group = "sim"
    group_key = factory.Sequence(lambda n: f"HS{n:032x}")
    granularity = "day"
    period_start = factory.Sequence(lambda n: dt.datetime(2024, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=n))
    period_end = factory.LazyAttribute(lambda o: o.period_start + dt.timedelta(days=1))
    data_upload = 1_000_000
    data_download = 4_000_000
    data_total = factory.LazyAttribute(lambda o: o.data_upload + o.data_download)
    billed_unit = "USD"
    data_total_billed = Decimal("0.05")

    @factory.post_generation
    def rollups(obj, create, extracted, **kwargs):
        """Rollups of the record's period, as the sync makes them after writing records."""
        if create:
            usage_rollups_rebuild(
                group=obj.group,
                granularity=obj.granularity,
                start=obj.period_start,
                end=obj.period_start + dt.timedelta(seconds=1),
            )
