"""Tags in the global search: found by any part of the name, the hit opens the SIM list filtered by it."""

from __future__ import annotations

import pytest

from apps.annotations.models import Tag

pytestmark = pytest.mark.django_db


def test_a_tag_is_found_by_part_of_its_name_and_opens_the_sims_with_it(viewer_client):
    pumps = Tag.objects.create(name="Pumps-North", description="Water pumps, north site")
    Tag.objects.create(name="meters")
    response = viewer_client.get("/search/suggest/", {"q": "PUMP"})
    groups = {g.key: [(h.label, h.url) for h in g.hits] for g in response.context["groups"]}
    assert groups == {"tags": [("Pumps-North", f"/sims/?tag={pumps.pk}")]}
    assert "Water pumps, north site" in response.content.decode()
    page = viewer_client.get("/search/", {"q": "meter"})
    assert page.status_code == 200 and "meters" in page.content.decode()
