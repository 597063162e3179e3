"""The type-ahead fleet selects: the JSON endpoint, and pages that render the chosen fleet only."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.fleets.tests.factories import FleetFactory
from apps.sims.tests.factories import SimFactory


@pytest.mark.django_db
def test_fleet_choices_match_a_name_prefix_or_a_sid_and_say_when_there_are_more(viewer_client):
    fleets = [FleetFactory(unique_name=f"trackers-{i:02d}") for i in range(25)]
    pumps = FleetFactory(unique_name="pumps")
    FleetFactory(unique_name="trackers-gone", removed_at=timezone.now())
    url = reverse("fleets:fleet_choices")
    body = viewer_client.get(url, {"q": "TRACK"}).json()
    assert [r["text"] for r in body["results"]] == [f"trackers-{i:02d}" for i in range(20)]
    assert body["more"] is True
    assert viewer_client.get(url, {"q": "pu"}).json() == {
        "results": [{"value": pumps.sid, "text": "pumps"}],
        "more": False,
    }
    by_sid = viewer_client.get(url, {"q": fleets[3].sid}).json()["results"]
    assert by_sid == [{"value": fleets[3].sid, "text": "trackers-03"}]


@pytest.mark.django_db
def test_fleet_selects_render_the_chosen_fleet_only(viewer_client, operator_client):
    others = [FleetFactory(unique_name=f"other-{i}") for i in range(5)]
    fleet = FleetFactory(unique_name="chosen-one")
    sim = SimFactory(fleet=fleet)
    page = viewer_client.get(reverse("sims:sim_list"), {"fleet": fleet.sid}).content.decode()
    assert f'<option value="{fleet.sid}" selected>chosen-one</option>' in page
    assert 'data-typeahead-url="/fleets/choices/"' in page
    assert all(o.sid not in page for o in others)  # no fleet listed but the chosen one
    detail = operator_client.get(reverse("sims:sim_detail", kwargs={"sid": sim.sid})).content.decode()
    assert f'<option value="{fleet.sid}" selected>chosen-one</option>' in detail
    assert all(o.sid not in detail for o in others)
    # a forged fleet is refused by the form (the queryset still validates)
    response = operator_client.post(
        reverse("sims:sim_update_fleet", kwargs={"sid": sim.sid}), {"fleet": "HF" + "f" * 32}
    )
    assert response.status_code == 422
    sim.refresh_from_db()
    assert sim.fleet_id == fleet.sid
