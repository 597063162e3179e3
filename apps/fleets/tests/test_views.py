"""Fleet pages: rendering, fixed query counts, permissions and form validation (no API needed)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.core.testing import ListViewTests
from apps.fleets.forms import split_megabytes
from apps.fleets.models import Fleet
from apps.fleets.tests.factories import FleetFactory
from apps.networks.tests.factories import NetworkAccessProfileFactory
from apps.sims.models import Sim
from apps.sims.services import sim_counts_refresh

pytestmark = pytest.mark.django_db

LIST = reverse("fleets:fleet_list")
CREATE = reverse("fleets:fleet_create")


def bulk_fleets(n: int, nap) -> list[Fleet]:
    now = timezone.now()
    return Fleet.objects.bulk_create(
        Fleet(
            sid=f"HF{i:032x}",
            unique_name=f"bulk-{i:05d}",
            data_limit=1000,
            data_enabled=True,
            network_access_profile_id=nap.sid,
            date_created=now,
        )
        for i in range(10_000, 10_000 + n)
    )


def bulk_sims(n: int, fleet: Fleet, offset: int = 0) -> None:
    statuses = ["new", "ready", "active", "inactive", "scheduled"]
    now = timezone.now()
    Sim.objects.bulk_create(
        Sim(
            sid=f"HS{offset + i:032x}",
            iccid=f"89{offset + i:018d}",
            status=statuses[i % 5],
            fleet_id=fleet.sid,
            date_created=now,
        )
        for i in range(n)
    )
    sim_counts_refresh()  # as a sync run does after its bulk writes


def test_split_megabytes_picks_the_biggest_exact_unit():
    assert split_megabytes(1000) == (1, "GB")
    assert split_megabytes(1500) == (pytest.approx(1.5), "GB")
    assert split_megabytes(2_000_000) == (2, "TB")
    assert split_megabytes(750) == (750, "MB")
    assert split_megabytes(None) == (None, "MB")


def test_list_shows_counts_per_status(viewer_client):
    fleet = FleetFactory(unique_name="alpha")
    bulk_sims(7, fleet)  # new, ready, active, inactive, scheduled, new, ready
    Sim.objects.filter(sid=f"HS{0:032x}").update(removed_at=timezone.now())  # one "new" gone upstream
    sim_counts_refresh()  # as the sync's sweep does
    response = viewer_client.get(LIST)
    assert response.status_code == 200
    row = response.context["table"].page.object_list[0].record  # the page's fleets, counted for the page
    assert (row.sims_total, row.sims_new, row.sims_ready, row.sims_active) == (6, 1, 2, 1)
    assert b"alpha" in response.content
    # sorted by a count: the same numbers, by annotation over every fleet
    FleetFactory(unique_name="beta")
    by_count = viewer_client.get(LIST, {"sort": "-sims_total"})
    top = by_count.context["table"].page.object_list[0].record
    assert top.unique_name == "alpha"
    assert (top.sims_total, top.sims_new, top.sims_ready, top.sims_active) == (6, 1, 2, 1)
    assert b"New fleet" not in response.content  # viewers get no create button


@pytest.mark.parametrize("rows", [5, 2000])
def test_list_query_count_is_fixed(viewer_client, django_assert_num_queries, rows):
    nap = NetworkAccessProfileFactory()
    fleets = bulk_fleets(rows, nap)
    bulk_sims(40, fleets[0])
    viewer_client.get(LIST)  # warm the session
    # session, user, permissions (x2: user + groups), the page of fleets (+ NAP), NAP filter choices;
    # the SIM counts of the page's fleets (one read of the counts table, never a COUNT over the SIMs);
    # the total of fleets (COUNT, apps.core.paging); apps.annotations: the fleet custom fields (filters), the
    # tag filter's choices, the page's tags
    with django_assert_num_queries(11):
        response = viewer_client.get(LIST)
    assert response.status_code == 200
    assert b"bulk-10000" in response.content


def test_cached_counts_follow_every_sim_write_path(viewer_client):
    from apps.sims import services as sim_services
    from apps.sims.tests.factories import SimFactory

    fleet = FleetFactory(unique_name="counted")
    bulk_sims(5, fleet)  # new ready active inactive scheduled

    def counts():
        return viewer_client.get(LIST).context["table"].page.object_list[0].record

    assert counts().sims_total == 5 and counts().sims_active == 1
    now = timezone.now()
    item = {"sid": "HS" + "c" * 32, "status": "active", "fleet_sid": fleet.sid, "iccid": "890000000001"}
    sim_services.sims_upsert(items=[item], run_id=1, now=now, seen=set())  # the sync's bulk path...
    sim_services.sims_sweep(run_id=1, now=now, seen={sim.sid for sim in Sim.objects.all()})  # ...ends
    assert counts().sims_active == 2
    sim_services.sim_from_api(data={**item, "status": "inactive"})  # the UI path
    assert counts().sims_active == 1 and counts().sims_inactive == 2
    sim_services.sims_sweep(run_id=2, now=timezone.now(), seen=set())  # all missing upstream: removed
    assert counts().sims_total == 0
    SimFactory(sid="HS" + "d" * 32, fleet=fleet, status="ready")  # an instance save elsewhere (post_save)
    assert counts().sims_ready == 1


def test_a_rename_keeps_the_cached_counts(viewer_client, django_assert_num_queries):
    from apps.sims import services as sim_services

    fleet = FleetFactory(unique_name="counted")
    bulk_sims(3, fleet)
    sim = Sim.objects.first()
    viewer_client.get(LIST)  # counts cached
    item = {"sid": sim.sid, "status": sim.status, "fleet_sid": fleet.sid, "iccid": sim.iccid}
    sim_services.sim_from_api(data={**item, "unique_name": "renamed"})
    with django_assert_num_queries(11):  # as test_list_query_count_is_fixed: no counting of SIMs
        viewer_client.get(LIST)
    sim_services.sim_from_api(data={**item, "status": "inactive" if sim.status != "inactive" else "active"})
    with django_assert_num_queries(11):  # the status changed: the counts table says so, still no COUNT
        response = viewer_client.get(LIST)
    assert response.context["table"].page.object_list[0].record.sims_total == 3


def test_list_htmx_renders_only_the_table(viewer_client):
    FleetFactory(unique_name="beta")
    response = viewer_client.get(LIST, {"q": "bet"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="object-list")
    assert response.status_code == 200
    assert b"<html" not in response.content and b"beta" in response.content
    assert "HX-Request" in response["Vary"]


def test_list_hides_fleets_removed_upstream(viewer_client):
    FleetFactory(unique_name="live-one")
    FleetFactory(unique_name="gone-one", removed_at=timezone.now())
    content = viewer_client.get(LIST).content
    assert b"live-one" in content and b"gone-one" not in content
    content = viewer_client.get(LIST, {"removed": "only"}).content
    assert b"live-one" not in content and b"gone-one" in content


@pytest.mark.parametrize("rows", [5, 2000])
def test_detail_query_count_is_fixed(viewer_client, django_assert_num_queries, rows):
    fleet = FleetFactory(unique_name="detail-fleet", data_limit=2_000_000)
    bulk_sims(rows, fleet)
    url = reverse("fleets:fleet_detail", kwargs={"sid": fleet.sid})
    viewer_client.get(url)
    # session, user, permissions x2, fleet (+ NAP), its counts (the counts table), one page of SIMs;
    # apps.annotations' panel: the fleet's tags, custom fields, notes
    with django_assert_num_queries(10):
        response = viewer_client.get(url)
    assert response.status_code == 200
    assert b"2 TB" in response.content
    assert f"Total: {rows}".encode() not in response.content  # no COUNT(*) pagination
    assert response.context["fleet"].sims_total == rows


def test_detail_sims_partial_for_htmx_paging(viewer_client):
    fleet = FleetFactory()
    bulk_sims(30, fleet)
    url = reverse("fleets:fleet_detail", kwargs={"sid": fleet.sid})
    response = viewer_client.get(url, {"page": 2}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="fleet-sims")
    assert response.status_code == 200
    assert b'id="fleet-sims"' in response.content and b"<html" not in response.content
    assert len(response.context["table"].page.object_list) == 5


def test_detail_404(viewer_client):
    assert (
        viewer_client.get(reverse("fleets:fleet_detail", kwargs={"sid": "HF" + "0" * 32})).status_code == 404
    )


@pytest.mark.parametrize("who", ["viewer_client", "operator_client"])
def test_admin_actions_are_refused_to_viewers_and_operators(request, who):
    client = request.getfixturevalue(who)
    fleet = FleetFactory()
    edit = reverse("fleets:fleet_edit", kwargs={"sid": fleet.sid})
    missing = reverse("fleets:fleet_edit", kwargs={"sid": "HF" + "f" * 32})
    assert client.get(CREATE).status_code == 403
    assert client.post(CREATE, {"unique_name": "x"}).status_code == 403
    assert client.get(edit).status_code == 403
    assert client.post(edit, {"unique_name": "x"}).status_code == 403
    assert client.post(missing, {"unique_name": "x"}).status_code == 403  # permission before lookup
    assert AuditEvent.objects.filter(action="access.denied", success=False).count() == 5
    assert Fleet.objects.get(pk=fleet.pk).unique_name == fleet.unique_name


def test_data_limit_out_of_range_is_refused_before_any_api_call(admin_client_, settings):
    settings.SUPERSIM_API_BASE_URL = "http://127.0.0.1:9/nowhere"  # any API call would fail loudly
    nap = NetworkAccessProfileFactory()
    base = {
        "unique_name": "too-big",
        "network_access_profile": nap.sid,
        "sms_commands_method": "POST",
        "ip_commands_method": "POST",
    }
    for value, unit in [("0.0005", "GB"), ("0", "MB"), ("2000001", "MB"), ("3", "TB")]:
        response = admin_client_.post(
            CREATE, {**base, "data_limit_value": value, "data_limit_unit": unit}, HTTP_HX_REQUEST="true"
        )
        assert response.status_code == 422, (value, unit)
        assert b"Nothing was sent to the API" in response.content
        assert b'id="fleet-form"' in response.content and b"<html" not in response.content
    assert "between 1 MB and 2 TB (2,000,000 MB); 3000000 MB is out of range" in response.content.decode()
    assert not Fleet.objects.filter(unique_name="too-big").exists()
    assert not AuditEvent.objects.filter(action="fleet.create").exists()


def test_create_page_explains_immutable_fields_and_webhook_option(admin_client_, settings):
    settings.PUBLIC_BASE_URL = "https://dash.example.com"
    NetworkAccessProfileFactory(unique_name="nap-x")
    content = admin_client_.get(CREATE).content.decode()
    assert "immutable" in content and "Set at creation only" in content
    assert 'data-sms-commands-url="https://dash.example.com/webhooks/sms-commands/"' in content
    assert 'data-ip-commands-url="https://dash.example.com/webhooks/ip-commands/"' in content
    assert "js/fleets.js" in content


def test_edit_page_shows_immutable_fields_read_only(admin_client_):
    fleet = FleetFactory(data_limit=1500, data_enabled=False)
    content = admin_client_.get(reverse("fleets:fleet_edit", kwargs={"sid": fleet.sid})).content.decode()
    assert 'name="data_enabled"' not in content and 'name="sms_commands_enabled"' not in content
    assert 'id="immutable-fields"' in content
    assert 'value="1.5"' in content  # 1500 MB shown as 1.5 GB


class TestFleetList(ListViewTests):
    url_name = "fleets:fleet_list"
    filter_query = "q=kept"

    def make_rows(self):
        FleetFactory(unique_name="kept-fleet")
        FleetFactory(unique_name="dropped-fleet")
        return "kept-fleet", "dropped-fleet"
