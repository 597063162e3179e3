"""Networks and NAP pages: rendering, fixed query counts, search, permissions (no API needed)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.core.testing import ListViewTests
from apps.fleets.tests.factories import FleetFactory
from apps.networks.models import Network, NetworkAccessProfile, NetworkAccessProfileNetwork
from apps.networks.selectors import countries_matching, country_name
from apps.networks.tests.factories import (
    NetworkAccessProfileFactory,
    NetworkAccessProfileNetworkFactory,
    NetworkFactory,
)

pytestmark = pytest.mark.django_db

NETWORKS = reverse("networks:network_list")
NAPS = reverse("networks:nap_list")


def bulk_networks(n: int, country: str = "DE") -> list[Network]:
    return Network.objects.bulk_create(
        Network(
            sid=f"HW{i:032x}",
            friendly_name=f"Net {i:05d}",
            iso_country=country,
            identifiers=[{"mcc": "262", "mnc": f"{i % 1000:03d}"}],
            mcc_mnc=f"262-{i % 1000:03d} 262{i % 1000:03d}",
        )
        for i in range(50_000, 50_000 + n)
    )


def bulk_members(nap: NetworkAccessProfile, networks: list[Network]) -> None:
    NetworkAccessProfileNetwork.objects.bulk_create(
        NetworkAccessProfileNetwork(
            sid=n.sid,
            nap_id=nap.sid,
            network_id=n.sid,
            friendly_name=n.friendly_name,
            iso_country=n.iso_country,
            identifiers=n.identifiers,
        )
        for n in networks
    )


def test_country_names_from_pycountry():
    assert country_name("DE") == "Germany"
    assert country_name("GB") == "United Kingdom"
    assert country_name("XX") == "XX"
    assert "DE" in countries_matching("germ") and "US" in countries_matching("usa")


@pytest.mark.parametrize("rows", [5, 2000])
def test_network_list_query_count_is_fixed(viewer_client, django_assert_num_queries, rows):
    nap = NetworkAccessProfileFactory(unique_name="europe")
    networks = bulk_networks(rows)
    bulk_members(nap, networks[:3])
    viewer_client.get(NETWORKS)
    # session, user, permissions x2, the total, page of networks, NAPs allowing them (prefetch), NAP choices
    with django_assert_num_queries(8):
        response = viewer_client.get(NETWORKS)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Germany" in content and "262-000" in content and "europe" in content


def test_catalogue_sorts_by_country_name_in_the_database(viewer_client):
    """ "Country" sorts by name (Albania, Germany, United Arab Emirates), not by ISO code (AE first), both
    ways, and the second page follows on from the first."""
    for code, name in [("AE", "du"), ("DE", "Telekom"), ("AL", "Vodafone AL"), ("DE", "O2"), ("GB", "EE")]:
        NetworkFactory(iso_country=code, friendly_name=name)
    url = reverse("networks:network_list")

    def names(**params):
        response = viewer_client.get(url, params)
        return [row.record.friendly_name for row in response.context["table"].paginated_rows]

    # Albania, Germany, United Arab Emirates, United Kingdom
    assert names() == ["Vodafone AL", "O2", "Telekom", "du", "EE"]
    assert names(sort="iso_country") == ["Vodafone AL", "O2", "Telekom", "du", "EE"]
    assert names(sort="-iso_country") == ["EE", "du", "Telekom", "O2", "Vodafone AL"]
    assert names(per_page=2, page=2) == ["Telekom", "du"]


def test_network_list_filters(viewer_client):
    nap = NetworkAccessProfileFactory()
    de = NetworkFactory(
        friendly_name="Vodafone Germany", iso_country="DE", identifiers=[{"mcc": "262", "mnc": "02"}]
    )
    de.mcc_mnc = "262-02 26202"
    de.save()
    us = NetworkFactory(friendly_name="AT&T", iso_country="US", identifiers=[{"mcc": "310", "mnc": "410"}])
    us.mcc_mnc = "310-410 310410"
    us.save()
    NetworkAccessProfileNetworkFactory(nap=nap, network=us)

    def names(**params):
        response = viewer_client.get(NETWORKS, params, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="object-list")
        return {r.record.friendly_name for r in response.context["table"].rows}

    assert names(q="germany") == {"Vodafone Germany"}
    assert names(q="26202") == {"Vodafone Germany"}
    assert names(iso_country="US") == {"AT&T"}
    assert names(mcc="310") == {"AT&T"}
    assert names(mcc="262", mnc="02") == {"Vodafone Germany"}
    assert names(nap=nap.sid) == {"AT&T"}


def test_network_detail_shows_naps(viewer_client, django_assert_num_queries):
    member = NetworkAccessProfileNetworkFactory(nap__unique_name="allowing-nap")
    url = reverse("networks:network_detail", kwargs={"sid": member.network.sid})
    viewer_client.get(url)
    with django_assert_num_queries(6):
        response = viewer_client.get(url)
    assert "allowing-nap" in response.content.decode() and "United States" in response.content.decode()


@pytest.mark.parametrize("rows", [5, 2000])
def test_nap_list_query_count_is_fixed(viewer_client, django_assert_num_queries, rows):
    NetworkAccessProfile.objects.bulk_create(
        NetworkAccessProfile(sid=f"HA{i:032x}", unique_name=f"nap-{i:05d}") for i in range(rows)
    )
    first = NetworkAccessProfile.objects.order_by("unique_name").first()
    bulk_members(first, bulk_networks(4))
    FleetFactory(network_access_profile=first)
    viewer_client.get(NAPS)
    with django_assert_num_queries(
        6
    ):  # session, user, permissions x2, the total, the page (counts: subqueries)
        response = viewer_client.get(NAPS)
    row = response.context["table"].rows[0].record
    assert (row.unique_name, row.network_count, row.fleet_count) == (first.unique_name, 4, 1)


@pytest.mark.parametrize("rows", [5, 2000])
def test_nap_detail_query_count_is_fixed(admin_role_client, django_assert_num_queries, rows):
    nap = NetworkAccessProfileFactory(unique_name="big-nap")
    bulk_members(nap, bulk_networks(rows))
    FleetFactory.create_batch(2, network_access_profile=nap)
    url = nap.get_absolute_url()
    admin_role_client.get(url)
    # session, user, permissions x2, NAP (+ counts), memberships: count + page (+ networks), fleets (+ SIMs)
    with django_assert_num_queries(8):
        response = admin_role_client.get(url)
    assert response.status_code == 200
    assert len(response.context["memberships"]) == min(rows, 50)
    assert f"{rows} networks" in response.content.decode()
    assert len(response.context["fleets"]) == 2
    assert 'hx-confirm="Remove' in response.content.decode()


def test_nap_search_partial_matches_country_name_and_mcc_mnc_and_skips_members(admin_client_):
    nap = NetworkAccessProfileFactory()
    vf = NetworkFactory(friendly_name="Vodafone Germany", iso_country="DE")
    vf.mcc_mnc = "262-02 26202"
    vf.save()
    tmo = NetworkFactory(friendly_name="Telekom Deutschland", iso_country="DE")
    NetworkAccessProfileNetworkFactory(nap=nap, network=tmo)

    def search(q):
        response = admin_client_.get(
            nap.get_absolute_url(), {"q": q}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="network-search-results"
        )
        assert response.status_code == 200 and b"<html" not in response.content
        return [n.friendly_name for n in response.context["results"]]

    assert search("germany") == ["Vodafone Germany"]  # the member is not offered again
    assert search("262-02") == ["Vodafone Germany"]
    assert search("vodaf") == ["Vodafone Germany"]
    assert search("") == []


@pytest.mark.parametrize("who", ["viewer_client", "operator_client"])
def test_nap_admin_actions_are_refused(request, who):
    client = request.getfixturevalue(who)
    member = NetworkAccessProfileNetworkFactory()
    nap = member.nap
    urls = [
        reverse("networks:nap_create"),
        reverse("networks:nap_rename", kwargs={"sid": nap.sid}),
        reverse("networks:nap_network_add", kwargs={"sid": nap.sid}),
        reverse("networks:nap_network_remove", kwargs={"sid": nap.sid, "membership_sid": member.sid}),
        reverse("networks:nap_rename", kwargs={"sid": "HA" + "f" * 32}),  # permission before lookup
    ]
    for url in urls:
        assert client.post(url, {"unique_name": "x", "network": member.network.sid}).status_code == 403, url
    assert client.get(reverse("networks:nap_create")).status_code == 403
    assert AuditEvent.objects.filter(action="access.denied").count() == 6
    assert NetworkAccessProfileNetwork.objects.get(pk=member.pk).removed_at is None
    content = client.get(nap.get_absolute_url()).content.decode()
    assert "hx-confirm" not in content and 'id="network-search"' not in content


def test_mutations_are_post_only(admin_client_):
    member = NetworkAccessProfileNetworkFactory()
    url = reverse("networks:nap_network_remove", kwargs={"sid": member.nap.sid, "membership_sid": member.sid})
    assert admin_client_.get(url).status_code == 405


def test_removed_membership_404(admin_client_):
    member = NetworkAccessProfileNetworkFactory(removed_at=timezone.now())
    url = reverse("networks:nap_network_remove", kwargs={"sid": member.nap.sid, "membership_sid": member.sid})
    assert admin_client_.post(url).status_code == 404


class TestNetworkList(ListViewTests):
    url_name = "networks:network_list"
    filter_query = "q=Kept"

    def make_rows(self):
        NetworkFactory(friendly_name="Kept Net")
        NetworkFactory(friendly_name="Dropped Net")
        return "Kept Net", "Dropped Net"


class TestNapList(ListViewTests):
    url_name = "networks:nap_list"
    filter_query = "q=kept"

    def make_rows(self):
        NetworkAccessProfileFactory(unique_name="kept-nap")
        NetworkAccessProfileFactory(unique_name="dropped-nap")
        return "kept-nap", "dropped-nap"
