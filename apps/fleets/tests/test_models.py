import pytest

from .factories import FleetFactory

pytestmark = pytest.mark.django_db


def test_factory_and_str():
    fleet = FleetFactory(unique_name="trackers")
    assert str(fleet) == "trackers"
    assert fleet.network_access_profile.fleets.get() == fleet
    assert str(FleetFactory(unique_name="")).startswith("HF")
