import pytest

from .factories import NetworkAccessProfileFactory, NetworkAccessProfileNetworkFactory, NetworkFactory

pytestmark = pytest.mark.django_db


def test_factories_and_relations():
    nap = NetworkAccessProfileFactory(unique_name="global")
    net = NetworkFactory(friendly_name="T-Mobile")
    NetworkAccessProfileNetworkFactory(nap=nap, network=net)
    NetworkAccessProfileNetworkFactory(nap=nap, removed_at="2024-01-01T00:00:00Z")
    assert str(nap) == "global" and str(net) == "T-Mobile"
    assert list(nap.networks) == [net]
    assert nap.memberships.count() == 2
    assert net.nap_memberships.get().nap == nap
