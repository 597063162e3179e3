"""Saved views, the column chooser and the default view on list pages (two lists: SIMs and fleets)."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.audit.models import AuditEvent
from apps.core.testing import make_user
from apps.fleets.tests.factories import FleetFactory
from apps.savedviews.models import ListPreference, SavedView
from apps.sims.tests.factories import SimFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows():
    eu = FleetFactory(unique_name="EU trackers", data_enabled=True)
    us = FleetFactory(unique_name="US meters", data_enabled=False)
    SimFactory(unique_name="alpha", status="active", fleet=eu)
    SimFactory(unique_name="beta", status="inactive", fleet=eu)
    SimFactory(unique_name="gamma", status="active", fleet=us)
    return {"eu": eu, "us": us}


def _names(response, attr="unique_name") -> list[str]:
    return sorted(getattr(row.record, attr) for row in response.context["table"].page.object_list)


@pytest.mark.parametrize(
    ("path", "list_key", "query", "expected", "attr"),
    [
        ("/sims/", "sims:sim_list", "status=active&sort=unique_name", ["alpha", "gamma"], "unique_name"),
        ("/fleets/", "fleets:fleet_list", "data_enabled=false", ["US meters"], "unique_name"),
    ],
)
def test_save_then_reopen_a_view(viewer_client, viewer, rows, path, list_key, query, expected, attr):
    response = viewer_client.post(
        "/views/save/", {"list": list_key, "name": "Mine", "query": f"{query}&page=3", "columns": ""}
    )
    view = SavedView.objects.get(owner=viewer, name="Mine")
    assert (view.list_key, view.query, view.shared) == (list_key, query, False)  # page is not part of it
    assert response.status_code == 302 and response["Location"] == f"{path}?{query}&view={view.pk}"
    page = viewer_client.get(response["Location"])
    assert _names(page, attr) == expected
    assert page.context["saved_views"].active == view and not page.context["saved_views"].modified
    assert "View: Mine" in page.content.decode()
    # the short link and the index page
    assert viewer_client.get(f"/views/{view.pk}/")["Location"] == response["Location"]
    assert "Mine" in viewer_client.get("/views/").content.decode()
    event = AuditEvent.objects.get(action="savedview.create")
    assert event.after["query"] == query and event.username == viewer.username
    # saved again under the same name: the same view, updated
    viewer_client.post("/views/save/", {"list": list_key, "name": "Mine", "query": "sort=-date_created"})
    assert SavedView.objects.get(pk=view.pk).query == "sort=-date_created"
    assert AuditEvent.objects.filter(action="savedview.update").count() == 1


def test_column_chooser_is_remembered_per_user_and_list(viewer_client, viewer, rows):
    page = viewer_client.get("/sims/")
    choices = [name for name, _, shown in page.context["saved_views"].column_choices]
    assert choices[:4] == ["iccid", "unique_name", "tags", "status"] and "selection" not in choices
    response = viewer_client.post(
        "/views/columns/", {"list": "sims:sim_list", "columns": ["iccid", "status"], "query": "status=active"}
    )
    assert response["Location"] == "/sims/?status=active&cols=iccid%2Cstatus"
    assert ListPreference.objects.get(user=viewer, list_key="sims:sim_list").columns == ["iccid", "status"]
    html = viewer_client.get("/sims/").content.decode()  # remembered: the bare list shows the two columns
    header = html[html.index("<thead") : html.index("</thead>")]
    assert "ICCID" in header and "Status" in header and "Fleet" not in header and "Created" not in header
    row = html[html.index("<tbody") : html.index("</tbody>")]
    assert row.count("<td") == 3 * 2  # 3 SIMs x 2 cells
    # ?cols= wins over the remembered columns (a shared URL shows what its sender saw)
    other = viewer_client.get("/sims/?cols=unique_name").context["table"]
    assert [c.name for c in other.columns if c.name != "selection"] == ["unique_name"]
    # another list and another person are not affected
    fleets = viewer_client.get("/fleets/").context["table"]
    assert len(list(fleets.columns)) > 2
    assert AuditEvent.objects.filter(action="listpreference.columns", username=viewer.username).count() == 1


def test_default_view_opens_the_bare_list_with_a_way_back(viewer_client, viewer, rows):
    viewer_client.post(
        "/views/save/",
        {"list": "fleets:fleet_list", "name": "US", "query": "q=US", "make_default": "on"},
    )
    view = SavedView.objects.get(name="US")
    assert ListPreference.objects.get(user=viewer, list_key="fleets:fleet_list").default_view == view
    response = viewer_client.get("/fleets/")
    assert response.status_code == 302 and response["Location"] == f"/fleets/?q=US&view={view.pk}"
    page = viewer_client.get(response["Location"])
    html = page.content.decode()
    assert _names(page) == ["US meters"] and "your default view of this list" in html
    assert 'href="/fleets/?view=all"' in html
    everything = viewer_client.get("/fleets/?view=all")
    assert everything.status_code == 200 and _names(everything) == ["EU trackers", "US meters"]
    # htmx requests never redirect; the default of one list does not touch another
    assert (
        viewer_client.get("/fleets/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="object-list").status_code == 200
    )
    assert viewer_client.get("/sims/").status_code == 200
    # back to no default
    viewer_client.post("/views/default/", {"list": "fleets:fleet_list"})
    assert viewer_client.get("/fleets/").status_code == 200
    assert AuditEvent.objects.filter(action="listpreference.default").count() == 2


def test_sharing_needs_operator_and_only_the_owner_changes_a_view(viewer_client, viewer, rows):
    response = viewer_client.post(
        "/views/save/", {"list": "sims:sim_list", "name": "For all", "query": "", "shared": "on"}
    )
    assert response.status_code == 302 and not SavedView.objects.exists()
    assert "needs the operator role" in viewer_client.get(response["Location"]).content.decode()
    assert AuditEvent.objects.filter(action="access.denied", username=viewer.username).count() == 1

    operator = make_user("op-views", "operator")
    op = Client()
    op.force_login(operator)
    op.post(
        "/views/save/", {"list": "sims:sim_list", "name": "Active", "query": "status=active", "shared": "on"}
    )
    op.post("/views/save/", {"list": "sims:sim_list", "name": "Secret", "query": "status=inactive"})
    shared = SavedView.objects.get(name="Active")
    secret = SavedView.objects.get(name="Secret")
    assert shared.shared and not secret.shared
    # the viewer sees the shared view (not the private one), may use it, not change it
    names = [v.name for v in viewer_client.get("/sims/").context["saved_views"].views]
    assert names == ["Active"]
    assert viewer_client.get(f"/views/{secret.pk}/").status_code == 404
    assert viewer_client.post(f"/views/{shared.pk}/delete/").status_code == 403
    assert viewer_client.post(f"/views/{shared.pk}/share/", {}).status_code == 403
    assert viewer_client.post("/views/default/", {"view": shared.pk}).status_code == 302
    assert viewer_client.get("/sims/")["Location"] == shared.list_url()
    # the owner un-shares: the viewer's default no longer applies (not theirs to open)
    op.post(f"/views/{shared.pk}/share/", {})
    assert not SavedView.objects.get(pk=shared.pk).shared
    assert viewer_client.get("/sims/").status_code == 200
    op.post(f"/views/{secret.pk}/delete/")
    assert not SavedView.objects.filter(pk=secret.pk).exists()
    assert AuditEvent.objects.get(action="savedview.delete").before["name"] == "Secret"


def test_bad_input_is_a_message_never_a_500(viewer_client, rows):
    for data in (
        {"list": "sims:sim_list", "name": ""},
        {"list": "sims:sim_list", "name": "x" * 101},
        {"list": "core:health", "name": "x"},
        {"list": "nope", "name": "x"},
        {"list": "sims:sim_list", "name": "long", "query": "q=" + "a" * 3000},
    ):
        response = viewer_client.post("/views/save/", data)
        assert response.status_code == 302, data
    assert not SavedView.objects.exists()
    assert viewer_client.post("/views/columns/", {"list": "nope"}).status_code == 302
    assert viewer_client.post("/views/default/", {"view": "abc"}).status_code == 404
