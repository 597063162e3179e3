"""The events pages as each role: list + filters, CSV, dead letters, the SIM timeline, the health panel,
and the SIM detail / home / fleet pages that include them."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.core.cache import data_changed
from apps.core.testing import ListViewTests
from apps.events.models import ConnectionEvent, DeadLetter
from apps.events.services import process_batch, receive
from apps.events.testing import TWILIO_PREFIX, cloud_event
from apps.sims.selectors import SIMS_DATA
from apps.sims.tests.factories import SimFactory

pytestmark = pytest.mark.django_db
PAGES = ["events:event_list", "events:event_export_csv", "events:deadletter_list", "events:health"]


def ingest(*members):
    batch = receive(body=json.dumps(list(members)).encode(), content_type="application/json", headers={})
    return process_batch(batch.pk)


@pytest.fixture
def seeded():
    now = timezone.now()
    sim, quiet, _never = SimFactory(unique_name="tracker-1"), SimFactory(), SimFactory()
    ingest(
        cloud_event("attachment.accepted", sim_sid=sim.sid, at=now - dt.timedelta(minutes=50)),
        cloud_event(
            "data-session.started", sim_sid=sim.sid, at=now - dt.timedelta(minutes=40), data_session_sid="HD1"
        ),
        cloud_event(
            "data-session.ended",
            sim_sid=sim.sid,
            at=now - dt.timedelta(minutes=25),
            data_session_sid="HD1",
            data_total=3 * 1024 * 1024,
            prefix=TWILIO_PREFIX,
        ),
        cloud_event(
            "attachment.rejected",
            sim_sid=sim.sid,
            at=now - dt.timedelta(minutes=20),
            network={"sid": "HWcc", "friendly_name": "Orange", "iso_country": "FR"},
            error={"code": "11", "message": ""},
        ),
        cloud_event(
            "attachment.accepted",
            sim_sid=sim.sid,
            at=now - dt.timedelta(minutes=10),
            network={"sid": "HWcc", "friendly_name": "Orange", "iso_country": "FR"},
        ),
        cloud_event("attachment.accepted", sim_sid=quiet.sid, at=now - dt.timedelta(days=2)),
        {"type": "com.kore.supersim.connection.attachment.accepted", "data": "broken"},
    )
    return sim, quiet


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_is_sent_to_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("fixture", ["viewer_client", "operator_client", "admin_client_"])
def test_every_role_reads_the_events_pages(request, fixture, seeded):
    client = request.getfixturevalue(fixture)
    sim, _ = seeded
    page = client.get(reverse("events:event_list"))
    assert page.status_code == 200 and len(page.context["table"].rows) == 6
    timeline = client.get(reverse("events:sim_timeline", args=[sim.sid]))
    assert timeline.status_code == 200 and "network not allowed" in timeline.content.decode()


def test_event_list_filters(viewer_client, seeded):
    sim, quiet = seeded
    url = reverse("events:event_list")

    def rows(**params):
        response = viewer_client.get(url, params, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="object-list")
        assert response.status_code == 200 and b"<html" not in response.content
        return [r.record for r in response.context["table"].rows]

    assert {e.sim_sid for e in rows(sim=quiet.sid)} == {quiet.sid}
    assert len(rows(sim="tracker-1")) == 0  # the events carry no unique name: the SID or ICCID finds them
    assert [e.type for e in rows(type="attachment.rejected")] == ["attachment.rejected"]
    assert [e.type for e in rows(rejections="true")] == ["attachment.rejected"]
    assert (
        len(rows(network="orange")) == 2 and len(rows(network="262-02")) == 4 and len(rows(country="fr")) == 2
    )
    since = (timezone.now() - dt.timedelta(minutes=30)).isoformat()
    assert len(rows(since=since, sim=sim.sid)) == 3
    response = viewer_client.get(url, {"since": "not a time"})
    assert response.status_code == 200 and "Some filters are not valid" in response.content.decode()


def test_csv_export_follows_the_filter(viewer_client, seeded):
    sim, _ = seeded
    response = viewer_client.get(reverse("events:event_export_csv"), {"sim": sim.sid})
    assert response.status_code == 200 and response["Content-Type"] == "text/csv"
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [r["type"] for r in rows] == [
        "attachment.accepted",
        "attachment.rejected",
        "data-session.ended",
        "data-session.started",
        "attachment.accepted",
    ]
    assert rows[1]["error_code"] == "11" and rows[2]["data_total"] == str(3 * 1024 * 1024)


def test_dead_letters_are_listed(viewer_client, seeded):
    response = viewer_client.get(reverse("events:deadletter_list"))
    assert response.status_code == 200
    assert [r.record.reason for r in response.context["table"].rows] == ["no data object"]
    assert "broken" in response.content.decode()


def test_sim_timeline_shows_sessions_attachments_rejections_and_state(viewer_client, seeded):
    sim, _ = seeded
    response = viewer_client.get(reverse("events:sim_timeline", args=[sim.sid]))
    items = response.context["items"]
    assert [i.kind for i in items] == ["attachment", "network", "rejection", "session", "attachment"]
    session = items[3]
    assert session.duration == dt.timedelta(minutes=15) and session.bytes_total == 3 * 1024 * 1024
    assert items[1].detail == "Vodafone (DE) → Orange (FR)"
    text = response.content.decode()
    assert "Online" in text and "3.0\xa0MB" in text and "0:15:00" in text
    assert "network not allowed (not in the SIM&#x27;s Network Access Profile) (code 11)" in text
    empty = viewer_client.get(reverse("events:sim_timeline", args=["HS" + "f" * 32]))
    assert "Never connected" in empty.content.decode() and empty.context["items"] == []


def test_health_panel_counts(viewer_client, seeded):
    sim, quiet = seeded
    health = viewer_client.get(reverse("events:health")).context["health"]
    assert (health["online"], health["offline"], health["never"], health["rejections_today"]) == (1, 1, 1, 1)
    fleet = viewer_client.get(reverse("events:health"), {"fleet": quiet.fleet_id}).context["health"]
    assert (fleet["total"], fleet["online"], fleet["offline"], fleet["never"]) == (1, 0, 1, 0)
    assert fleet["rejections_today"] == 0


def test_pages_include_the_timeline_and_the_health_panel(viewer_client, seeded):
    sim, _ = seeded
    detail = viewer_client.get(reverse("sims:sim_detail", args=[sim.sid])).content.decode()
    assert reverse("events:sim_timeline", args=[sim.sid]) in detail
    home = viewer_client.get(reverse("core:home")).content.decode()
    assert reverse("events:health") in home
    fleet = viewer_client.get(reverse("fleets:fleet_detail", args=[sim.fleet_id])).content.decode()
    assert f"{reverse('events:health')}?fleet={sim.fleet_id}" in fleet


def test_timeline_and_health_cost_the_same_queries_at_any_size(viewer_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    now = timezone.now()

    def counts():
        data_changed(SIMS_DATA)  # the health panel's counts are cached 30 s: measure them computed
        sim = SimFactory()
        ingest(*[cloud_event("attachment.accepted", sim_sid=sim.sid, at=now - dt.timedelta(minutes=i))
                 for i in range(3)])  # fmt: skip
        with CaptureQueriesContext(connection) as timeline:
            viewer_client.get(reverse("events:sim_timeline", args=[sim.sid]))
        with CaptureQueriesContext(connection) as health:
            viewer_client.get(reverse("events:health"))
        return len(timeline), len(health)

    viewer_client.get(reverse("events:health"))  # the session's first request loads more
    small = counts()
    for _ in range(5):
        others = [SimFactory() for _ in range(4)]
        ingest(*[cloud_event("data-session.ended", sim_sid=s.sid, at=now, data_total=0) for s in others])
    assert counts() == small


def test_sim_list_filters_by_connection(viewer_client, seeded):
    sim, quiet = seeded  # sim: online; quiet: seen 2 days ago; a third SIM never connected
    never = SimFactory()
    moved = SimFactory()
    now = timezone.now()
    ingest(
        *[
            cloud_event("attachment.accepted", sim_sid=moved.sid, at=now - dt.timedelta(hours=h), imei=imei)
            for h, imei in ((5, "111111111111111"), (3, "222222222222222"))
        ]
    )

    def sids(**query):
        response = viewer_client.get(reverse("sims:sim_list"), query)
        assert response.status_code == 200
        return {row.record.sid for row in response.context["table"].page.object_list}

    assert sids(connection="online") == {sim.sid}
    assert sids(connection="offline") == {quiet.sid, moved.sid}
    assert never.sid in sids(connection="never") and not {sim.sid, quiet.sid, moved.sid} & sids(
        connection="never"
    )
    assert sids(offline_hours="24") == {quiet.sid}
    assert sids(offline_hours="2") == {quiet.sid, moved.sid}
    assert sids(offline_hours="0") == {quiet.sid, moved.sid}  # the online SIM is never "offline"
    assert sids(imei_changed="true") == {moved.sid}
    assert moved.sid not in sids(imei_changed="false") and sim.sid in sids(imei_changed="false")
    form = viewer_client.get(reverse("sims:sim_list")).content.decode()
    assert ">Connection</label>" in form and '<option value="" selected>Any</option>' in form
    response = viewer_client.get(reverse("sims:sim_list"), {"offline_hours": "-3"})
    assert response.status_code == 200 and "Some filters are not valid" in response.content.decode()
    page = viewer_client.get(reverse("sims:sim_list"), {"q": sim.sid}).content.decode()
    assert 'data-online="1">online<' in page and "Orange (FR)" in page and "minutes ago" in page
    page = viewer_client.get(reverse("sims:sim_list"), {"q": moved.sid}).content.decode()
    assert 'data-online="0">offline<' in page and 'title="IMEI changed"' in page
    page = viewer_client.get(reverse("sims:sim_list"), {"q": never.sid}).content.decode()
    assert 'data-online="">never<' in page
    export = viewer_client.get(reverse("sims:sim_export_csv"), {"connection": "online"})
    assert sim.sid in b"".join(export.streaming_content).decode()


def test_map_markers_are_bounded_and_the_tile_origin_is_allowed_only_when_set(viewer_client, settings):
    from apps.events import selectors

    now = timezone.now()
    sims = [SimFactory(unique_name=f"truck-{i}") for i in range(3)]
    where = [(52.52, 13.40), (48.85, 2.35), (-33.86, 151.21)]  # Berlin, Paris, Sydney
    ingest(
        *[
            cloud_event(
                "attachment.accepted", sim_sid=s.sid, at=now, location={"cell_id": "1", "lat": la, "lon": lo}
            )
            for s, (la, lo) in zip(sims, where, strict=True)
        ]
    )
    url = reverse("events:map_markers")
    data = viewer_client.get(url).json()
    assert data["total"] == 3 and not data["clustered"]
    assert {(m["name"], m["online"]) for m in data["markers"]} == {(f"truck-{i}", True) for i in range(3)}
    europe = viewer_client.get(url, {"bbox": "-10,35,30,60"}).json()
    assert {m["name"] for m in europe["markers"]} == {"truck-0", "truck-1"}
    assert viewer_client.get(url, {"bbox": "nonsense"}).json()["total"] == 3  # ignored, never a 500
    grid = selectors.map_markers(limit=2)
    assert grid["clustered"] and not grid["markers"] and sum(c["count"] for c in grid["clusters"]) == 3
    assert "zoom in" in grid["message"]

    page = viewer_client.get(reverse("events:map"))
    assert page.status_code == 200 and "countries-110m.json" in page.content.decode()
    assert "img-src 'self' data:;" in page["Content-Security-Policy"]
    settings.MAP_TILE_URL = "https://{s}.tiles.example.net/{z}/{x}/{y}.png"
    page = viewer_client.get(reverse("events:map"))
    assert "img-src 'self' data: https://*.tiles.example.net;" in page["Content-Security-Policy"]
    assert 'data-tile-url="https://{s}.tiles.example.net/{z}/{x}/{y}.png"' in page.content.decode()


class TestConnectionEventList(ListViewTests):
    url_name = "events:event_list"
    filter_query = "sim=kept-sim"

    def make_rows(self):
        for n, name in enumerate(("kept-sim", "dropped-sim")):
            ConnectionEvent.objects.create(
                event_sid=f"EV{n}",
                ce_type="x",
                type="data-session-started",
                timestamp=timezone.now(),
                sim_sid=f"HS{n:032x}",
                sim_unique_name=name,
            )
        return "kept-sim", "dropped-sim"


class TestDeadLetterList(ListViewTests):
    url_name = "events:deadletter_list"
    filter_query = "reason=kept"

    def make_rows(self):
        DeadLetter.objects.create(reason="kept-reason", member="{}")
        DeadLetter.objects.create(reason="dropped-reason", member="{}")
        return "kept-reason", "dropped-reason"
