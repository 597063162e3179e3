"""Every list page reads ``page`` / ``per_page`` through apps.core.paging: bad values are clamped (the page
renders normally), never a 500; every list shows its total."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.core.paging import MAX_PER_PAGE, clean_count
from apps.core.testing import walk_urls
from apps.core.views import ObjectListView
from apps.fleets.tests.factories import FleetFactory
from apps.sims.tests.factories import SimFactory


def _list_pages() -> list[str]:
    pages = [
        url for _, url, view in walk_urls() if issubclass(getattr(view, "view_class", object), ObjectListView)
    ]
    return sorted(pages)


LIST_PAGES = _list_pages()
BAD = {
    "per_page=²": None,  # str.isdigit() says yes, int() says no
    "per_page=-5": None,
    "per_page=0": None,
    "per_page=" + "9" * 5000: MAX_PER_PAGE,  # beyond int()'s 4,300 digits
    "per_page=abc": None,
    "page=²": None,
    "page=-1": None,
    "page=" + "9" * 5000: None,
}


def test_every_list_page_is_covered():
    names = {
        name
        for name, _, view in walk_urls()
        if issubclass(getattr(view, "view_class", object), ObjectListView)
    }
    assert {
        "sims:sim_list",
        "fleets:fleet_list",
        "networks:network_list",
        "networks:nap_list",
        "esims:esimprofile_list",
        "commands:command_list",
        "sync:syncrun_list",
        "audit:auditevent_list",
    } <= names


@pytest.mark.parametrize("query", list(BAD), ids=lambda q: q[:20])
@pytest.mark.parametrize("url", LIST_PAGES + ["fleet-detail"])
def test_bad_paging_values_are_clamped_on_every_list_page(admin_role_client, url, query):
    fleet = FleetFactory(unique_name="paged")
    SimFactory.create_batch(3, fleet=fleet)
    default = 50
    if url == "fleet-detail":  # the fleet page's table of SIMs
        url, default = reverse("fleets:fleet_detail", kwargs={"sid": fleet.sid}), 25
    admin_role_client.raise_request_exception = False
    response = admin_role_client.get(f"{url}?{query}")
    assert response.status_code == 200, (url, query[:20])
    table = response.context["table"]
    expected = BAD[query] or default
    assert table.paginator.per_page == expected
    assert table.page.number == 1


def test_esim_search_by_any_text_is_answered(operator_client):
    """``?q=abc`` filtered on the SIM SID with ``iexact`` (a FieldError on the ForeignKey: 500)."""
    from apps.esims.tests.factories import EsimProfileFactory

    profile = EsimProfileFactory()
    response = operator_client.get("/esims/?q=abc")
    assert response.status_code == 200
    assert response.context["table"].paginator.count == 0
    found = operator_client.get("/esims/?q=" + profile.sim_id).context["table"]
    assert [row.record.sid for row in found.page.object_list] == [profile.sid]


def test_lists_show_their_total(admin_role_client):
    FleetFactory.create_batch(3)
    response = admin_role_client.get(reverse("fleets:fleet_list") + "?per_page=2&page=2")
    html = response.content.decode()
    assert 'data-list-count="3"' in html and "<strong>3</strong> fleets, 3–3 shown" in html
    assert response.context["table"].page.number == 2


def test_clean_count():
    assert clean_count("12", default=5, maximum=100) == 12
    assert clean_count("0012", default=5, maximum=100) == 12
    assert clean_count("101", default=5, maximum=100) == 100
    assert clean_count("1" * 5000, default=5, maximum=100) == 100
    for raw in ("", None, "0", "-1", "²", "١٢", "1.5", " ", "1e3"):
        assert clean_count(raw, default=5, maximum=100) == 5, raw
