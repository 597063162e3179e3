"""The global search: grouping, the exact-match redirect, IMEI from connection events, a fixed query count."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.esims.tests.factories import EsimProfileFactory
from apps.events.models import SimConnectionState
from apps.fleets.tests.factories import FleetFactory
from apps.networks.models import Network
from apps.networks.tests.factories import NetworkAccessProfileFactory
from apps.search.registry import SearchHit, SearchProvider, providers, register, unregister
from apps.sims.tests.factories import SimFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows():
    nap = NetworkAccessProfileFactory(sid="HA" + "1" * 32, unique_name="Tracker NAP")
    fleet = FleetFactory(sid="HF" + "2" * 32, unique_name="Trackers EU", network_access_profile=nap)
    a = SimFactory(sid="HS" + "a" * 32, iccid="8988307000001234567", unique_name="tracker-001", fleet=fleet)
    b = SimFactory(sid="HS" + "b" * 32, iccid="8988307000001234999", unique_name="Meter-7", fleet=fleet)
    SimFactory(sid="HS" + "c" * 32, iccid="8944000000000000001", unique_name="other", fleet=fleet)
    EsimProfileFactory(sid="HP" + "d" * 32, sim=a, iccid=a.iccid, eid="89049032000000000000000000012345")
    Network.objects.create(sid="HW" + "e" * 32, friendly_name="Tracknet", iso_country="DE")
    SimConnectionState.objects.create(sim_sid=b.sid, iccid=b.iccid, imei="356938035643809")
    return {"a": a, "b": b, "fleet": fleet, "nap": nap}


def groups_of(response) -> dict[str, list[str]]:
    return {g.key: [h.label for h in g.hits] for g in response.context["groups"]}


def test_text_finds_every_kind_grouped_in_order(viewer_client, rows):
    response = viewer_client.get("/search/suggest/", {"q": "TRACK"})
    assert response.status_code == 200
    assert groups_of(response) == {
        "sims": ["tracker-001"],
        "fleets": ["Trackers EU"],
        "naps": ["Tracker NAP"],
        "networks": ["Tracknet"],
    }
    html = response.content.decode()
    assert html.index("SIMs") < html.index("Fleets") < html.index("Network Access Profiles")
    assert 'role="listbox"' in html and html.count('role="option"') == 4


def test_iccid_prefix_imei_prefix_and_eid(viewer_client, rows):
    iccid = groups_of(viewer_client.get("/search/suggest/", {"q": "89883070000012"}))
    # the eSIM profile of tracker-001 has its ICCID: found too, in its own group
    assert iccid == {"sims": ["tracker-001", "Meter-7"], "esims": ["EID 89049032000000000000000000012345"]}
    imei = viewer_client.get("/search/suggest/", {"q": "3569380"})
    assert groups_of(imei) == {"sims": ["Meter-7"]}
    assert "IMEI 356938035643809" in imei.content.decode()
    eid = groups_of(viewer_client.get("/search/suggest/", {"q": "8904903200000"}))
    assert eid == {"esims": ["EID 89049032000000000000000000012345"]}


def test_exact_iccid_or_sid_redirects_to_the_object(viewer_client, rows):
    sim = rows["a"]
    response = viewer_client.get("/search/", {"q": sim.iccid})
    assert response.status_code == 302 and response["Location"] == f"/sims/{sim.sid}/"
    response = viewer_client.get("/search/", {"q": sim.sid.upper()})  # a SID typed in capitals
    assert response.status_code == 302 and response["Location"] == f"/sims/{sim.sid}/"
    response = viewer_client.get("/search/", {"q": rows["fleet"].sid})
    assert response["Location"] == f"/fleets/{rows['fleet'].sid}/"
    # a prefix is a results page, never a redirect; the box never redirects
    response = viewer_client.get("/search/", {"q": "898830700000"})
    assert response.status_code == 200 and groups_of(response)["sims"] == ["tracker-001", "Meter-7"]
    assert viewer_client.get("/search/suggest/", {"q": sim.iccid}).status_code == 200


def test_short_or_unmatched_text(viewer_client, rows):
    with CaptureQueriesContext(connection) as short:
        response = viewer_client.get("/search/suggest/", {"q": "t"})
    assert "at least 2 characters" in response.content.decode()
    assert not [q for q in short.captured_queries if "sims_sim" in q["sql"]]
    response = viewer_client.get("/search/", {"q": "zzzz"})
    assert response.status_code == 200 and "Nothing matches “zzzz”" in response.content.decode()


def _search_queries(client, text: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/search/suggest/", {"q": text}).status_code == 200
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_the_rows(viewer_client, rows):
    _search_queries(viewer_client, "warm")  # the session's first request reads more (user, permissions)
    few = {text: _search_queries(viewer_client, text) for text in ("8988", "track", "HSaaaa")}
    fleet = rows["fleet"]
    SimFactory.create_batch(40, fleet=fleet)  # "sim-N" names, 8988307… ICCIDs: many more hits
    for n in range(20):
        SimConnectionState.objects.create(sim_sid=f"HS{n:032x}", imei=f"35693803{n:07d}")
    many = {text: _search_queries(viewer_client, text) for text in ("8988", "track", "HSaaaa")}
    assert many == few
    # the SIM provider is within its budget: ICCID + IMEI + name for digits
    assert providers()[0].max_queries == 3


def test_a_registered_provider_joins_the_search(viewer_client, rows):
    @register
    class TagSearch(SearchProvider):
        key, label, order = "test-tags", "Tags", 60

        def search(self, query, *, limit):
            return [SearchHit(label=f"tag {query.text}", url="/tags/x/")]

    try:
        assert groups_of(viewer_client.get("/search/suggest/", {"q": "zz"})) == {"test-tags": ["tag zz"]}
    finally:
        unregister("test-tags")
    assert "test-tags" not in [p.key for p in providers()]


def test_roles(viewer_client, rows):
    from django.test import Client

    assert Client().get("/search/", {"q": "track"}).status_code == 302  # to the login page
    assert viewer_client.get("/").content.decode().count('id="nav-search-q"') == 1
