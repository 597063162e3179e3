import pytest

from .factories import EsimProfileFactory

pytestmark = pytest.mark.django_db


def test_factory_and_str():
    p = EsimProfileFactory(iccid="8988")
    assert str(p) == "8988"
    assert p.sim.esim_profiles.get() == p
    assert p.status_badge_class == "text-bg-info"
