"""Tier 3: a viewer follows a SIM's connection in a real Chromium: the timeline on the SIM page (loaded by
htmx), a rejection posted to the webhook meanwhile appears on refresh, then the SIM's events page."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import requests
from django.utils import timezone

from apps.core.testing import browser_login
from apps.events.testing import cloud_event
from apps.sims.tests.factories import SimFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
AUTH = ("sink", "browser-sink-password")


def test_viewer_follows_a_sim_timeline(page, live_server, viewer, settings, output_dir):
    settings.CONNECTION_EVENTS_BASIC_USERNAME, settings.CONNECTION_EVENTS_BASIC_PASSWORD = AUTH
    sim = SimFactory(unique_name="browser-tracker")
    url = f"{live_server.url}/webhooks/connection-events/"
    now = timezone.now()
    batch = [
        cloud_event("attachment.accepted", sim_sid=sim.sid, at=now - dt.timedelta(minutes=30)),
        cloud_event(
            "data-session.started", sim_sid=sim.sid, at=now - dt.timedelta(minutes=20), data_session_sid="HD1"
        ),
        cloud_event(
            "data-session.ended",
            sim_sid=sim.sid,
            at=now - dt.timedelta(minutes=8),
            data_session_sid="HD1",
            data_total=0,
        ),
    ]
    assert requests.post(url, json=batch, auth=AUTH, timeout=10).status_code == 202

    browser_login(page, live_server, viewer.username)
    page.goto(f"{live_server.url}/sims/{sim.sid}/")
    timeline = page.locator("#sim-timeline")
    timeline.locator("#sim-timeline-table").wait_for()
    assert timeline.locator("[data-online]").inner_text() == "Online"
    assert timeline.locator("tbody tr").count() == 2  # the session (its two events) and the attachment
    session = timeline.locator("tbody tr[data-kind=session]")
    assert "0:12:00" in session.inner_text() and "zero bytes" in session.inner_text()

    rejection = cloud_event(
        "attachment.rejected",
        sim_sid=sim.sid,
        at=now - dt.timedelta(minutes=1),
        error={"code": "7", "message": ""},
    )
    assert requests.post(url, json=rejection, auth=AUTH, timeout=10).status_code == 202
    page.get_by_role("button", name="Refresh").click()
    timeline.locator("tbody tr[data-kind=rejection]").wait_for()
    assert timeline.locator("[data-online]").inner_text() == "Offline"
    assert "data services not allowed" in timeline.locator("tbody tr[data-kind=rejection]").inner_text()
    assert "data services not allowed" in timeline.locator("[data-rejection-cause]").inner_text()
    page.screenshot(path=str(output_dir / "sim-timeline.png"), full_page=True)

    page.get_by_role("link", name="All events of this SIM").click()
    page.wait_for_url("**/events/?sim=*")
    assert page.locator("#events-table tbody tr").count() == 4
    page.select_option("#id_type", "attachment.rejected")
    page.wait_for_url("**type=attachment.rejected*")
    page.wait_for_function("() => document.querySelectorAll('#events-table tbody tr').length === 1")
    assert "Attachment rejected" in page.inner_text("#events-table tbody")
    assert page.errors == []


def test_map_of_last_known_locations_draws_offline(page, live_server, viewer, output_dir):
    from apps.core.testing import assert_accessible
    from apps.events.services import process_batch, receive

    now = timezone.now()
    sims = [SimFactory(unique_name=f"map-{i}") for i in range(3)]
    members = [
        cloud_event(
            "attachment.accepted", sim_sid=s.sid, at=now, location={"lat": 52.5 + i / 100, "lon": 13.4}
        )
        for i, s in enumerate(sims)
    ]
    process_batch(receive(body=json.dumps(members).encode(), content_type="application/json", headers={}).pk)

    browser_login(page, live_server, viewer.username)
    page.goto(f"{live_server.url}/events/map/")
    page.wait_for_selector("#sim-map[data-loaded='3']")
    page.locator("#sim-map path.map-land").first.wait_for()  # the vendored outline, no tile server
    page.locator("#sim-map .marker-cluster").first.wait_for()  # three SIMs close together: one cluster
    assert "3 located SIMs in view" in page.inner_text("#sim-map-status")
    assert_accessible(page, "map")
    page.screenshot(path=str(output_dir / "events-map.png"))
    assert page.errors == []
