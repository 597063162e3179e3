import pytest
from django.db import IntegrityError

from .factories import UsageRecordFactory

pytestmark = pytest.mark.django_db


def test_factory_str_and_unique_period():
    rec = UsageRecordFactory()
    assert rec.group_key in str(rec)
    with pytest.raises(IntegrityError):
        UsageRecordFactory(group_key=rec.group_key, period_start=rec.period_start)


def test_absolute_url_is_empty_for_groups_without_a_page():
    assert UsageRecordFactory(group="isoCountry", group_key="US").get_absolute_url() == ""
