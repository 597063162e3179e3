"""The REST API's SIM and fleet lists take the pages' tag and custom field filters (the same FilterSets)."""

from __future__ import annotations

import pytest

from apps.annotations.models import CustomField, CustomFieldValue, Tag, TagAssignment
from apps.api.tests.conftest import token_client
from apps.fleets.tests.factories import FleetFactory
from apps.sims.tests.factories import SimFactory

pytestmark = pytest.mark.django_db


def test_api_lists_filter_by_tag_and_custom_field(viewer):
    api = token_client(viewer, "read")
    s1, s2 = SimFactory(), SimFactory()
    tag = Tag.objects.create(name="pumps")
    TagAssignment.objects.create(tag=tag, sid=s1.sid, object_type="sim")
    floor = CustomField.objects.create(object_type="sim", name="floor", label="Floor", field_type="integer")
    CustomFieldValue.objects.create(field=floor, sid=s2.sid, value_int=4)
    fleet = FleetFactory()
    TagAssignment.objects.create(tag=tag, sid=fleet.sid, object_type="fleet")

    def sids(url):
        response = api.get(url)
        assert response.status_code == 200, response.content
        return {row["sid"] for row in response.json()["results"]}

    assert sids(f"/api/v1/sims/?tag={tag.pk}") == {s1.sid}
    assert sids(f"/api/v1/sims/?tag={tag.pk}&tag_mode=none") >= {s2.sid}
    assert s1.sid not in sids(f"/api/v1/sims/?tag={tag.pk}&tag_mode=none")
    assert sids("/api/v1/sims/?cf_floor=4") == {s2.sid}
    assert sids(f"/api/v1/fleets/?tag={tag.pk}") == {fleet.sid}
    assert api.get("/api/v1/sims/?cf_floor=four").status_code == 400
