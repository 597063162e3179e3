"""Onboarding is found where an operator looks: the SIM list's header links to register one SIM and to the
CSV onboarding (for roles that may use them); a fleet's page leads to its SIMs near the data limit."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.fleets.tests.factories import FleetFactory

pytestmark = pytest.mark.django_db

REGISTER = f'href="{reverse("sims:sim_register")}"'.encode()
ONBOARD = f'href="{reverse("sims:sim_onboard_csv")}"'.encode()


def test_sim_list_header_offers_onboarding_to_operators(operator_client):
    content = operator_client.get(reverse("sims:sim_list")).content
    assert REGISTER in content and b"Register a SIM" in content
    assert ONBOARD in content and b"Onboard from CSV" in content


def test_sim_list_header_hides_onboarding_from_viewers(viewer_client):
    content = viewer_client.get(reverse("sims:sim_list")).content
    assert b"<h1" in content and b"SIMs" in content
    assert REGISTER not in content and ONBOARD not in content


def test_fleet_detail_leads_to_its_sims_near_the_data_limit(viewer_client):
    fleet = FleetFactory(data_limit=1000)
    content = viewer_client.get(reverse("fleets:fleet_detail", kwargs={"sid": fleet.sid})).content
    near = reverse("usage:fleet_near_limit", kwargs={"sid": fleet.sid})
    assert f'hx-get="{near}"'.encode() in content
    assert b"Show SIMs near their data limit" in content
