"""The sandbox's connection events, posted over real HTTP to the dashboard's ingest webhook: an attachment
when a SIM becomes active, one data session per hour per active SIM whose bytes are the usage records the
sandbox serves, refused attachments of SIMs made inactive; re-emitting an hour stores nothing twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from apps.events.models import ConnectionEvent, SimConnectionState
from apps.sandbox import api, services
from apps.sandbox import events as sandbox_events
from apps.sandbox.models import Sim

pytestmark = pytest.mark.django_db(transaction=True)
AUTH = ("sandbox-sink", "p@ss:word")


@pytest.fixture
def sink(sandbox, settings, live_server):
    settings.CONNECTION_EVENTS_BASIC_USERNAME, settings.CONNECTION_EVENTS_BASIC_PASSWORD = AUTH
    host = live_server.url.split("://", 1)[1]
    settings.SANDBOX_EVENT_SINKS = [f"http://sandbox-sink:p%40ss%3Aword@{host}/webhooks/connection-events/"]
    sandbox_events._pending.clear()
    sandbox_events._last_hour = None
    yield sandbox
    sandbox_events._pending.clear()
    sandbox_events._last_hour = None


def test_sandbox_emits_attachments_and_hourly_sessions(sink):
    sandbox = sink
    Sim.objects.filter(status="inactive").update(activated_at=api.now() - timedelta(days=3))
    ready = sandbox.get("/v1/Sims", params={"Status": "ready"}).json()["sims"][0]["sid"]
    assert sandbox.post(f"/v1/Sims/{ready}", {"Status": "active"}).status_code == 202
    services.run_due_transitions(api.now() + timedelta(seconds=1))

    accepted = ConnectionEvent.objects.get(type="attachment.accepted")
    assert (
        accepted.sim_sid == ready and accepted.ce_type == "com.kore.supersim.connection.attachment.accepted"
    )
    assert SimConnectionState.objects.get(sim_sid=ready).is_online()

    active = list(Sim.objects.filter(status="active").values_list("sid", flat=True))
    ended = ConnectionEvent.objects.filter(type="data-session.ended")
    assert sorted(ended.values_list("sim_sid", flat=True)) == sorted(active)
    assert ConnectionEvent.objects.filter(type="data-session.started").count() == len(active)
    inactive = Sim.objects.filter(status="inactive").count()
    assert inactive and ConnectionEvent.objects.filter(type="attachment.rejected").count() == inactive

    # the session's bytes are the hour's usage record of that SIM
    one = ended.get(sim_sid=ready)
    hour = one.timestamp.replace(minute=0, second=0)
    window = {"Sim": ready, "Granularity": "hour", "StartTime": api.iso(hour),
              "EndTime": api.iso(hour + timedelta(hours=1))}  # fmt: skip
    record = sandbox.get("/v1/UsageRecords", params=window).json()["usage_records"][0]
    assert (one.data_upload, one.data_download, one.data_total) == (
        record["data_upload"], record["data_download"], record["data_total"],
    )  # fmt: skip
    assert one.network_sid == Sim.objects.get(sid=ready).home_network.sid

    # a restarted emitter sends the same hour again: duplicates, nothing stored twice
    count = ConnectionEvent.objects.count()
    sandbox_events._last_hour = None
    assert sandbox_events.tick(api.now()) == count - 1  # everything but the attachment, re-sent
    assert ConnectionEvent.objects.count() == count
    assert sandbox_events.tick(api.now()) == 0  # that hour is done


def test_a_refused_delivery_is_retried(sink, settings):
    settings.CONNECTION_EVENTS_BASIC_PASSWORD = "another"  # the sink refuses (401)
    at = datetime(2026, 11, 30, 10, 30, tzinfo=UTC)
    assert sandbox_events.tick(at) == 0 and ConnectionEvent.objects.count() == 0
    settings.CONNECTION_EVENTS_BASIC_PASSWORD = AUTH[1]
    delivered = sandbox_events.tick(at)
    assert delivered == ConnectionEvent.objects.count() > 0
