import factory
from factory.django import DjangoModelFactory

from apps.networks.models import Network, NetworkAccessProfile, NetworkAccessProfileNetwork


class NetworkFactory(DjangoModelFactory):
    class Meta:
        model = Network

    sid = factory.Sequence(lambda n: f"HW{n:032x}")
    friendly_name = factory.Sequence(lambda n: f"Network {n}")
    iso_country = "US"
    identifiers = factory.Sequence(lambda n: [{"mcc": "310", "mnc": f"{n % 1000:03d}"}])
    mcc_mnc = factory.LazyAttribute(lambda o: " ".join(f"{i['mcc']}-{i['mnc']}" for i in o.identifiers))


class NetworkAccessProfileFactory(DjangoModelFactory):
    class Meta:
        model = NetworkAccessProfile

    sid = factory.Sequence(lambda n: f"HA{n:032x}")
    unique_name = factory.Sequence(lambda n: f"nap-{n}")


class NetworkAccessProfileNetworkFactory(DjangoModelFactory):
    class Meta:
        model = NetworkAccessProfileNetwork

    nap = factory.SubFactory(NetworkAccessProfileFactory)
    network = factory.SubFactory(NetworkFactory)
    sid = factory.LazyAttribute(lambda o: o.network.sid)
    friendly_name = factory.LazyAttribute(lambda o: o.network.friendly_name)
    iso_country = factory.LazyAttribute(lambda o: o.network.iso_country)
    identifiers = factory.LazyAttribute(lambda o: o.network.identifiers)
