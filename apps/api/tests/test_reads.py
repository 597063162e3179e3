"""Every resource read with a viewer's token: lists (cursor pages, the pages' filters, ``?fields=``),
details (ETag / If-None-Match), and a fixed number of queries whatever the page size."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.audit.models import AuditEvent
from apps.commands.tests.factories import IpCommandFactory, SmsCommandFactory
from apps.core.models import Job
from apps.esims.tests.factories import EsimProfileFactory
from apps.fleets.tests.factories import FleetFactory
from apps.networks.tests.factories import NetworkAccessProfileNetworkFactory
from apps.sims.tests.factories import SimFactory
from apps.sync.models import SyncRun
from apps.usage.tests.factories import UsageRecordFactory

pytestmark = pytest.mark.django_db


def all_pages(client, url: str) -> list[dict]:
    rows, pages = [], 0
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.json()
        body = response.json()
        rows += body["results"]
        url = body["next"]
        pages += 1
    return rows


def test_every_resource_lists_and_shows_one_for_a_viewer(viewer_api, viewer):
    membership = NetworkAccessProfileNetworkFactory()
    sim = SimFactory(fleet=FleetFactory(network_access_profile=membership.nap))
    esim = EsimProfileFactory(sim=sim)
    sms, ip = SmsCommandFactory(sim=sim), IpCommandFactory(sim=sim)
    job = Job.objects.create(kind="sims.bulk_status", title="t", created_by=viewer, total=3)
    run = SyncRun.objects.create(resource="sims", status="succeeded")
    event = AuditEvent.objects.create(action="sim.rename", username="x", before={"a": 1}, after={"a": 2})
    cases = {
        "sims": sim.sid,
        "fleets": sim.fleet_id,
        "naps": membership.nap_id,
        "networks": membership.network_id,
        "esim-profiles": esim.sid,
        "sms-commands": sms.sid,
        "ip-commands": ip.sid,
        "jobs": job.pk,
        "sync-runs": run.pk,
        "audit-events": event.pk,
    }
    for resource, key in cases.items():
        listed = viewer_api.get(f"/api/v1/{resource}/")
        assert listed.status_code == 200, resource
        keys = [row.get("sid", row.get("id")) for row in listed.json()["results"]]
        assert key in keys, resource
        detail = viewer_api.get(f"/api/v1/{resource}/{key}/")
        assert detail.status_code == 200, resource
        assert detail.json().get("sid", detail.json().get("id")) == key
    assert viewer_api.get(f"/api/v1/audit-events/{event.pk}/").json()["after"] == {"a": 2}
    assert "after" not in viewer_api.get("/api/v1/audit-events/").json()["results"][0]
    networks = viewer_api.get(f"/api/v1/naps/{membership.nap_id}/networks/").json()["results"]
    assert [n["network"] for n in networks] == [membership.network_id]
    code = viewer_api.get(f"/api/v1/esim-profiles/{esim.sid}/activation-code/").json()
    assert code == {
        "sid": esim.sid,
        "activation_code": esim.activation_code,
        "smdp_plus_address": esim.smdp_plus_address,
        "matching_id": esim.matching_id,
    }
    assert viewer_api.get(f"/api/v1/jobs/{job.pk}/").json()["total"] == 3


def test_unknown_key_is_a_404_problem(viewer_api):
    response = viewer_api.get("/api/v1/sims/HS000/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == "No sim with this key."
    assert viewer_api.get("/api/v1/jobs/123456/").status_code == 404


def test_no_activation_code_yet_is_a_404(viewer_api):
    esim = EsimProfileFactory(status="reserving", activation_code="")
    response = viewer_api.get(f"/api/v1/esim-profiles/{esim.sid}/activation-code/")
    assert response.status_code == 404
    assert response.json()["detail"] == "This eSIM profile has no activation code yet."


def test_sim_list_has_the_sim_pages_filters(viewer_api):
    fleet = FleetFactory()
    active = SimFactory(fleet=fleet, status="active", iccid="8988307000999000001", unique_name="tracker-1")
    inactive = SimFactory(status="inactive", iccid="8988307000111000002", unique_name="other")
    removed = SimFactory(fleet=fleet, status="active", iccid="8988307000999000003")
    removed.removed_at = removed.date_created
    removed.save()

    def sids(query):
        return [r["sid"] for r in all_pages(viewer_api, f"/api/v1/sims/?{query}")]

    assert sids("q=8988307000999") == [active.sid]  # ICCID prefix; removed rows hidden as on the page
    assert sids("q=tracker") == [active.sid]
    assert sids(f"fleet={fleet.sid}&removed=all") == [removed.sid, active.sid]
    assert sids(f"nap={fleet.network_access_profile_id}&removed=only") == [removed.sid]
    assert sids("status=inactive&fields=sid") == [inactive.sid]
    bad = viewer_api.get("/api/v1/sims/?status=bogus")
    assert bad.status_code == 400
    assert bad["Content-Type"] == "application/problem+json"
    assert "status" in bad.json()["errors"]


def test_cursor_pages_are_stable_under_inserts(viewer_api):
    first = SimFactory.create_batch(5)
    page = viewer_api.get("/api/v1/sims/?page_size=2").json()
    assert [r["sid"] for r in page["results"]] == [first[4].sid, first[3].sid]
    SimFactory.create_batch(3)  # newer rows arrive while paging: the next pages neither repeat nor skip
    rest = all_pages(viewer_api, page["next"])
    assert [r["sid"] for r in rest] == [first[2].sid, first[1].sid, first[0].sid]
    assert viewer_api.get("/api/v1/sims/?page_size=1001").status_code == 200
    assert len(viewer_api.get("/api/v1/sims/?page_size=1001").json()["results"]) == 8
    assert viewer_api.get("/api/v1/sims/?cursor=garbage").status_code == 404


def test_a_sim_list_row_is_the_sim_detail(viewer_api):
    """The list builds rows without the serializer (speed): each must equal the detail's object."""
    with_fleet = SimFactory()
    without = SimFactory(fleet=None, unique_name="", status="new")
    listed = {r["sid"]: r for r in viewer_api.get("/api/v1/sims/").json()["results"]}
    for sim in (with_fleet, without):
        assert listed[sim.sid] == viewer_api.get(f"/api/v1/sims/{sim.sid}/").json()
    assert listed[without.sid]["fleet"] is None and listed[without.sid]["fleet_name"] is None
    assert listed[with_fleet.sid]["network_access_profile"] == with_fleet.fleet.network_access_profile_id


def test_fields_trims_lists_and_details(viewer_api):
    sim = SimFactory()
    listed = viewer_api.get("/api/v1/sims/?fields=sid,status,nope").json()["results"]
    assert listed == [{"sid": sim.sid, "status": sim.status}]
    assert viewer_api.get(f"/api/v1/sims/{sim.sid}/?fields=iccid").json() == {"iccid": sim.iccid}


def test_detail_etag_and_if_none_match(viewer_api):
    sim = SimFactory(unique_name="before")
    first = viewer_api.get(f"/api/v1/sims/{sim.sid}/")
    tag = first["ETag"]
    assert tag.startswith('"') and tag.endswith('"')
    unchanged = viewer_api.get(f"/api/v1/sims/{sim.sid}/", HTTP_IF_NONE_MATCH=tag)
    assert unchanged.status_code == 304 and unchanged.content == b""
    assert unchanged["ETag"] == tag
    sim.unique_name = "after"
    sim.save()
    changed = viewer_api.get(f"/api/v1/sims/{sim.sid}/", HTTP_IF_NONE_MATCH=tag)
    assert changed.status_code == 200 and changed["ETag"] != tag
    assert changed.json()["unique_name"] == "after"


def test_usage_series_and_breakdowns_are_the_usage_pages(viewer_api):
    from datetime import UTC, datetime, timedelta

    day = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=1)
    UsageRecordFactory(group="account", group_key="", granularity="day", period_start=day, data_total=300)
    series = viewer_api.get("/api/v1/usage/series/?granularity=day")
    assert series.status_code == 200
    body = series.json()
    assert body["chart"] == "series" and body["totals"]["total"] == 300
    assert [p["total"] for p in body["points"]] == [300]
    breakdown = viewer_api.get("/api/v1/usage/breakdown/countries/")
    assert breakdown.status_code == 200 and breakdown.json()["chart"] == "countries"
    assert viewer_api.get("/api/v1/usage/breakdown/nope/").status_code == 404
    bad = viewer_api.get("/api/v1/usage/series/?start=2026-02-01&end=2026-01-01")
    assert bad.status_code == 400
    assert bad.json()["detail"] == "The start date must not be after the end date."


@pytest.mark.parametrize("resource", ["sims", "fleets", "audit-events", "jobs"])
def test_list_query_count_does_not_grow_with_the_page(viewer_api, viewer, resource):
    """The same number of queries for a page of 10 rows and of 200 (no query per row)."""

    def make(n):
        if resource in ("sims", "fleets"):
            SimFactory.create_batch(n)
        elif resource == "audit-events":
            for _ in range(n):
                AuditEvent.objects.create(action="x", username="u")
        else:
            for _ in range(n):
                Job.objects.create(kind="k", title="t", created_by=viewer)

    counts = []
    for n in (10, 190):
        make(n)
        viewer_api.get(f"/api/v1/{resource}/?page_size=1000")  # warm (token last-use write, caches)
        with CaptureQueriesContext(connection) as ctx:
            rows = viewer_api.get(f"/api/v1/{resource}/?page_size=1000").json()["results"]
        counts.append(len(ctx.captured_queries))
        assert len(rows) >= (10 if n == 10 else 200)
    assert counts[0] == counts[1], counts
