"""SIM list/detail pages: constant query counts, filters, search, htmx partials, CSV, permissions."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.commands.models import SmsCommand
from apps.core.cache import data_changed
from apps.core.testing import ListViewTests
from apps.fleets.tests.factories import FleetFactory
from apps.sims.models import Sim
from apps.sims.selectors import SIMS_DATA
from apps.sims.services import sim_counts_refresh
from apps.sims.tests.factories import (
    BillingPeriodFactory,
    SettingsUpdateFactory,
    SimFactory,
    SimIpAddressFactory,
)
from apps.usage.models import UsageRecord
from apps.usage.services import usage_rollups_rebuild

LIST = reverse("sims:sim_list")


def bulk_sims(n: int, *, fleet=None, start: int = 0, status: str = "active") -> None:
    """``n`` SIM rows written directly (fast), ICCIDs 8988000000000<seq>."""
    base = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    Sim.objects.bulk_create(
        [
            Sim(
                sid=f"HS{i:032x}",
                iccid=f"89880000{i:011d}",
                unique_name=f"bulk-{i}",
                status=status,
                fleet_id=fleet.sid if fleet else None,
                date_created=base + dt.timedelta(minutes=i),
            )
            for i in range(start, start + n)
        ],
        batch_size=2000,
    )
    sim_counts_refresh()  # as a sync run does after its bulk writes


def count_queries(client, url, **extra) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **extra)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    assert response.status_code == 200, response.status_code
    return len(ctx.captured_queries), response


@pytest.fixture
def fleet(db):
    return FleetFactory(unique_name="alpha", data_limit=100)


@pytest.mark.django_db
def test_list_and_detail_queries_are_the_same_at_10_and_10000_sims(viewer, operator, fleet):
    viewer_c, operator_c = Client(), Client()
    viewer_c.force_login(viewer)
    operator_c.force_login(operator)
    bulk_sims(10, fleet=fleet)
    sim = Sim.objects.get(sid=f"HS{5:032x}")
    urls = [
        LIST,
        LIST + "?status=active&fleet=" + fleet.sid,
        LIST + f"?nap={fleet.network_access_profile_id}&removed=all",
        LIST + "?q=898800000000000",
        LIST + "?q=bulk-5",
        LIST + "?page=2&per_page=3",
        LIST + f"?after=2024-01-01T00:03:00%2B00:00~{Sim.objects.get(sid=f'HS{3:032x}').pk}",
        LIST + "?sort=-iccid",
        reverse("sims:sim_detail", kwargs={"sid": sim.sid}),
    ]
    for c in (viewer_c, operator_c):  # warm up (session, permission caches)
        c.get(LIST)

    def fresh(client, url, **headers):
        data_changed(SIMS_DATA)  # the list's count is cached: measured uncached at both sizes
        return count_queries(client, url, **headers)[0]

    def measure():
        counts = {("viewer", url): fresh(viewer_c, url) for url in urls}
        counts |= {("operator", url): fresh(operator_c, url) for url in (urls[0], urls[-1])}
        counts[("htmx", urls[1])] = fresh(
            viewer_c, urls[1], HTTP_HX_REQUEST="true", HTTP_HX_TARGET="object-list"
        )
        return counts

    small = measure()
    bulk_sims(9_990, fleet=fleet, start=10)
    assert Sim.objects.count() == 10_000
    assert measure() == small
    # the total is counted once, then cached until a SIM changes: no COUNT(*) over the table per view
    viewer_c.get(LIST)
    with CaptureQueriesContext(connection) as ctx:
        viewer_c.get(LIST + "?page=3")
    assert not any("COUNT(" in q["sql"].upper() for q in ctx.captured_queries)
    data_changed(SIMS_DATA)
    with CaptureQueriesContext(connection) as ctx:
        viewer_c.get(LIST)
    assert sum("COUNT(" in q["sql"].upper() for q in ctx.captured_queries) == 1


@pytest.mark.django_db
def test_filters_and_search(viewer_client, fleet):
    other = FleetFactory(unique_name="beta")
    a = SimFactory(iccid="8988307000000000001", unique_name="pump-1", status="active", fleet=fleet)
    b = SimFactory(iccid="8988307000000000002", unique_name="pump-2", status="inactive", fleet=other)
    c = SimFactory(iccid="8944000000000000003", unique_name="meter-1", status="new", fleet=None)
    gone = SimFactory(iccid="8944000000000000004", unique_name="gone", status="active", fleet=fleet)
    Sim.objects.filter(pk=gone.pk).update(removed_at=dt.datetime(2024, 5, 1, tzinfo=dt.UTC))

    def sids(query):
        response = viewer_client.get(LIST + query)
        assert response.status_code == 200
        return {row.record.sid for row in response.context["table"].page.object_list}

    assert sids("") == {a.sid, b.sid, c.sid}  # removed upstream hidden by default
    assert sids("?removed=only") == {gone.sid}
    assert sids("?removed=all") == {a.sid, b.sid, c.sid, gone.sid}
    assert sids("?status=inactive") == {b.sid}
    assert sids(f"?fleet={other.sid}") == {b.sid}
    assert sids(f"?nap={fleet.network_access_profile_id}") == {a.sid}
    assert sids("?q=89883070") == {a.sid, b.sid}  # ICCID prefix
    assert sids("?q=8944") == {c.sid}
    assert sids(f"?q={b.sid}") == {b.sid}  # SID
    assert sids("?q=pump") == {a.sid, b.sid}  # name prefix
    assert sids("?q=meter-1") == {c.sid}
    bad = viewer_client.get(LIST + "?status=nonsense")  # invalid filter: a warning, no crash
    assert bad.status_code == 200 and b"Some filters are not valid" in bad.content


@pytest.mark.django_db
def test_sorting(viewer_client, fleet):
    for i, name in enumerate(["c", "a", "b"]):
        SimFactory(unique_name=name, iccid=f"898830700000000000{i}", fleet=fleet)
    response = viewer_client.get(LIST + "?sort=unique_name")
    names = [r.record.unique_name for r in response.context["table"].page.object_list]
    assert names == ["a", "b", "c"]
    response = viewer_client.get(LIST + "?sort=-iccid")
    iccids = [r.record.iccid for r in response.context["table"].page.object_list]
    assert iccids == sorted(iccids, reverse=True)


@pytest.mark.django_db
def test_keyset_paging_walks_every_sim_once_in_every_sort(viewer_client, fleet):
    bulk_sims(23, fleet=fleet)
    Sim.objects.filter(sid__in=[f"HS{i:032x}" for i in (3, 4, 5)]).update(
        date_created=dt.datetime(2024, 6, 1, tzinfo=dt.UTC), status="inactive"
    )  # ties: the id breaks them
    for sort in ("", "-date_created", "date_created", "iccid", "-iccid", "unique_name", "status", "-status"):
        url = LIST + f"?per_page=5&sort={sort}"
        seen, pages = [], 0
        while url:
            response = viewer_client.get(url)
            table = response.context["table"]
            seen += [row.record.sid for row in table.page.object_list]
            url = (LIST + table.next_url) if table.next_url else ""
            if table.next_url:
                assert "after=" in table.next_url and "&page=" not in table.next_url
            pages += 1
        assert len(seen) == 23 == len(set(seen)), sort
        assert pages == 5
        expected = list(
            viewer_client.get(LIST + f"?per_page=50&sort={sort}").context["table"].page.object_list
        )
        assert seen == [row.record.sid for row in expected], sort
    assert viewer_client.get(LIST + "?after=garbage").status_code == 200


@pytest.mark.django_db
def test_keyset_pager_shows_the_total_the_position_and_walks_back(viewer_client, fleet):
    """next, then previous, through the pages of a filter: same rows, their position ("SIMs 6–10 of 23")
    and the filter's total on every page; no OFFSET at any depth (``?page=`` is not used for SIMs)."""
    bulk_sims(23, fleet=fleet)
    bulk_sims(1, fleet=fleet, start=100, status="inactive")  # outside the filter
    url, forward = LIST + "?per_page=5&sort=iccid&status=active", []
    while url:
        table = viewer_client.get(url).context["table"]
        forward.append(([row.record.sid for row in table.page.object_list], table.first_row, table.last_row))
        assert table.total == 23
        url = (LIST + table.next_url) if table.next_url else ""
    assert [(first, last) for _, first, last in forward] == [(1, 5), (6, 10), (11, 15), (16, 20), (21, 23)]
    last_page = viewer_client.get(LIST + "?per_page=5&sort=iccid&status=active").context["table"]
    for _ in range(4):
        last_page = viewer_client.get(LIST + last_page.next_url).context["table"]
    backward = []
    table = last_page
    while True:
        backward.append(([row.record.sid for row in table.page.object_list], table.first_row, table.last_row))
        if not table.prev_url:
            break
        with CaptureQueriesContext(connection) as ctx:
            response = viewer_client.get(LIST + table.prev_url)
        assert not any("OFFSET" in q["sql"].upper() for q in ctx.captured_queries)
        table = response.context["table"]
    assert backward == forward[::-1]
    html = viewer_client.get(LIST + "?per_page=5&sort=iccid&status=active").content.decode()
    assert "SIMs <strong>1–5</strong> of <strong>23</strong> SIMs" in html
    with CaptureQueriesContext(connection) as ctx:  # a page number is not an OFFSET here: the first page
        table = viewer_client.get(LIST + "?per_page=5&sort=iccid&status=active&page=4").context["table"]
    assert not any("OFFSET" in q["sql"].upper() for q in ctx.captured_queries)
    assert [row.record.sid for row in table.page.object_list] == forward[0][0]


@pytest.mark.django_db
def test_htmx_filter_request_gets_only_the_table(viewer_client, fleet):
    SimFactory(unique_name="pump-1", fleet=fleet)
    full = viewer_client.get(LIST)
    assert b'id="filter-form"' in full.content and b"<html" in full.content
    partial = viewer_client.get(LIST + "?q=pump", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="object-list")
    assert partial.status_code == 200
    body = partial.content.decode()
    assert body.lstrip().startswith('<div id="object-list"') and "<html" not in body
    assert "pump-1" in body
    assert "HX-Request" in partial["Vary"]
    assert "export.csv?q=pump" in body  # the export link follows the filter


@pytest.mark.django_db
def test_viewer_sees_no_bulk_controls_operator_does(viewer_client, client, operator, fleet):
    SimFactory(fleet=fleet)
    page = viewer_client.get(LIST).content.decode()
    assert 'id="bulk-form"' not in page and "sim-select" not in page
    client.force_login(operator)
    page = client.get(LIST).content.decode()
    assert 'id="bulk-form"' in page and 'class="form-check-input sim-select"' in page


@pytest.mark.django_db
def test_csv_export_of_the_current_filter(viewer_client, fleet):
    SimFactory(iccid="8988307000000000001", unique_name="=cmd|' /C calc'!A0", status="active", fleet=fleet)
    SimFactory(iccid="8988307000000000002", unique_name="other", status="inactive", fleet=fleet)
    response = viewer_client.get(reverse("sims:sim_export_csv") + "?status=active")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response.streaming
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:4] == ["sid", "iccid", "unique_name", "status"]
    assert len(rows) == 2
    assert rows[1][2] == "'=cmd|' /C calc'!A0"  # formula neutralised
    assert rows[1][5] == "alpha"


@pytest.mark.django_db
def test_detail_shows_everything(operator_client, fleet):
    sim = SimFactory(status="active", fleet=fleet, unique_name="pump-7")
    now = dt.datetime.now(dt.UTC)
    BillingPeriodFactory(sim=sim, start_time=now - dt.timedelta(days=5), end_time=now + dt.timedelta(days=25))
    SimIpAddressFactory(sim=sim, ip_address="10.9.8.7")
    SettingsUpdateFactory(sim=sim)
    SmsCommand.objects.create(
        sid="HC" + "1" * 32, sim_id=sim.sid, payload="ping", status="sent", direction="to_sim"
    )
    for day in range(3):
        UsageRecord.objects.create(
            group="sim",
            group_key=sim.sid,
            granularity="day",
            period_start=now - dt.timedelta(days=4 - day),
            data_total=40_000_000,
        )
    usage_rollups_rebuild()
    response = operator_client.get(reverse("sims:sim_detail", kwargs={"sid": sim.sid}))
    body = response.content.decode()
    assert response.status_code == 200
    for text in (sim.sid, sim.iccid, "pump-7", "alpha", "10.9.8.7", "base-settings", "ping", "HC" + "1" * 32):
        assert text in body, text
    assert 'data-usage-total="120000000"' in body and "over the limit" in body  # 120 MB > 100 MB limit
    assert "<polyline" in body
    # only the allowed next states are offered (active -> inactive)
    form = response.context["status_form"]
    assert [v for v, _ in form.fields["status"].choices] == ["inactive"]
    assert "<script>" not in body and "style=" not in body


@pytest.mark.django_db
def test_detail_panel_partial_for_htmx(viewer_client, fleet):
    sim = SimFactory(fleet=fleet)
    response = viewer_client.get(
        reverse("sims:sim_detail", kwargs={"sid": sim.sid}),
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="sim-panel",
    )
    assert response.content.decode().lstrip().startswith('<div id="sim-panel"')
    assert b"status-form" not in response.content  # viewers get no action forms


@pytest.mark.django_db
def test_unknown_sim_is_404(viewer_client):
    assert viewer_client.get(reverse("sims:sim_detail", kwargs={"sid": "HS" + "0" * 32})).status_code == 404


@pytest.mark.parametrize("name", ["sim_update_status", "sim_update_fleet", "sim_rename", "sim_sync_details"])
@pytest.mark.django_db
def test_viewer_is_refused_every_action(viewer_client, fleet, name):
    sim = SimFactory(status="new", fleet=fleet)
    response = viewer_client.post(
        reverse(f"sims:{name}", kwargs={"sid": sim.sid}),
        {"status": "active", "unique_name": "x", "fleet": fleet.sid},
    )
    assert response.status_code == 403
    sim.refresh_from_db()
    assert sim.status == "new" and sim.unique_name != "x"
    assert AuditEvent.objects.filter(action="access.denied", success=False).count() == 1


@pytest.mark.django_db
def test_viewer_is_refused_bulk(viewer_client, fleet):
    sim = SimFactory(status="new", fleet=fleet)
    response = viewer_client.post(
        reverse("sims:sim_bulk"), {"bulk_action": "status", "bulk_status": "active", "sids": [sim.sid]}
    )
    assert response.status_code == 403


@pytest.mark.django_db
def test_actions_are_post_only(operator_client, fleet):
    sim = SimFactory(fleet=fleet)
    assert operator_client.get(reverse("sims:sim_update_status", kwargs={"sid": sim.sid})).status_code == 405
    assert operator_client.get(reverse("sims:sim_bulk")).status_code == 405


@pytest.mark.django_db
def test_forged_disallowed_status_is_refused_before_any_api_call(operator_client, settings, fleet):
    # an unreachable API: any call would fail with a network error instead of the refusal below
    settings.SUPERSIM_API_BASE_URL = "http://127.0.0.1:9/nowhere"
    settings.SUPERSIM_MAX_RETRIES = 0
    sim = SimFactory(status="active", fleet=fleet)
    url = reverse("sims:sim_update_status", kwargs={"sid": sim.sid})
    for forged in ("ready", "new", "scheduled", "active"):
        response = operator_client.post(url, {"status": forged}, HTTP_HX_REQUEST="true")
        assert response.status_code == 422
        assert b'data-error="status"' in response.content
        assert b"HTTP" not in response.content  # no API error: the API was never called
    sim.refresh_from_db()
    assert sim.status == "active"
    # a scheduled SIM offers nothing; the service refuses too (audited)
    from apps.sims.services import SimStatusNotAllowed, sim_update_status

    Sim.objects.filter(pk=sim.pk).update(status="scheduled")
    sim.refresh_from_db()
    with pytest.raises(SimStatusNotAllowed):
        sim_update_status(sim=sim, status="inactive", user=None)
    event = AuditEvent.objects.get(action="sim.update_status")
    assert event.success is False and "cannot be set" in event.message


@pytest.mark.django_db
def test_status_poll_of_a_final_sim_stops_polling_without_api(viewer_client, settings, fleet):
    settings.SUPERSIM_API_BASE_URL = "http://127.0.0.1:9/nowhere"
    sim = SimFactory(status="active", fleet=fleet)
    response = viewer_client.get(
        reverse("sims:sim_status_poll", kwargs={"sid": sim.sid}), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 286
    assert "simRefreshed" in response["HX-Trigger"]
    assert b'hx-trigger="every' not in response.content


@pytest.mark.django_db
def test_unfiltered_export_has_every_sim(viewer_client):
    import csv
    import io

    from apps.sims.tests.factories import SimFactory

    SimFactory.create_batch(3)
    body = b"".join(viewer_client.get("/sims/export.csv").streaming_content).decode()
    assert len(list(csv.reader(io.StringIO(body)))) == 4  # header + every SIM


@pytest.mark.django_db
def test_detail_parts_reload_with_the_changed_fields(viewer_client):
    """The header (name, <title>) and the usage card (the fleet's limit) are parts of their own that reload
    on simUpdated: after a fleet move / rename they show the SIM as it is now, not the page as it was."""
    small = FleetFactory(unique_name="small", data_limit=100)
    big = FleetFactory(unique_name="big", data_limit=20_000)
    sim = SimFactory(fleet=small, unique_name="pump-1")
    url = reverse("sims:sim_detail", kwargs={"sid": sim.sid})
    page = viewer_client.get(url).content.decode()
    assert 'id="sim-usage"' in page and 'hx-trigger="simUpdated from:body"' in page
    assert "<title>SIM pump-1 · Super SIM Admin</title>" in page
    assert 'of the fleet\'s <span data-usage-limit="100000000">100 MB</span> limit' in page

    Sim.objects.filter(pk=sim.pk).update(fleet=big, unique_name="pump-2")  # as the actions' services do
    usage = viewer_client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="sim-usage").content.decode()
    assert usage.lstrip().startswith('<div class="col-xl-6" id="sim-usage"') and "<html" not in usage
    assert 'of the fleet\'s <span data-usage-limit="20000000000">20 GB</span> limit' in usage
    header = viewer_client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="sim-header").content.decode()
    assert header.lstrip().startswith("<title>SIM pump-2 · Super SIM Admin</title>")  # htmx sets it
    assert '<h1 class="h3 mb-0">SIM pump-2</h1>' in header and "<html" not in header
    panel = viewer_client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="sim-panel").content.decode()
    assert "20 GB per period" in panel and "<title>" not in panel


class TestSimList(ListViewTests):
    url_name = "sims:sim_list"
    filter_query = "status=inactive"

    def make_rows(self):
        SimFactory(unique_name="kept-sim", status="inactive")
        SimFactory(unique_name="dropped-sim", status="active")
        return "kept-sim", "dropped-sim"
