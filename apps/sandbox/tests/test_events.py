"""The sandbox's connection events, posted signed over real HTTP to the dashboard's ingest webhook: an
attachment when a SIM becomes active, hourly data sessions whose bytes are the usage records the sandbox
serves, refused attachments of SIMs made inactive, network changes of roaming SIMs; with fault injection,
batches out of order and sent twice, nothing stored twice; a refused delivery is retried."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import Sum

from apps.events.models import ConnectionEvent, EventBatch, SimConnectionState
from apps.events.selectors import sim_timeline
from apps.sandbox import api, services
from apps.sandbox import events as sandbox_events
from apps.sandbox.models import Sim

pytestmark = pytest.mark.django_db(transaction=True)
AUTH = ("sandbox-sink", "p@ss:word")


@pytest.fixture
def sink(sandbox, settings, live_server):
    settings.CONNECTION_EVENTS_BASIC_USERNAME, settings.CONNECTION_EVENTS_BASIC_PASSWORD = AUTH
    settings.WEBHOOK_SIGNATURE_SCHEME, settings.PUBLIC_BASE_URL = "twilio", ""
    settings.TWILIO_AUTH_TOKEN = settings.SANDBOX_AUTH_TOKEN  # the account's token signs
    host = live_server.url.split("://", 1)[1]
    settings.SANDBOX_EVENT_SINKS = [f"http://sandbox-sink:p%40ss%3Aword@{host}/webhooks/connection-events/"]
    sandbox_events.reset()
    yield sandbox
    sandbox_events.reset()


def test_sandbox_emits_events_consistent_with_its_usage(sink, settings):
    sandbox = sink
    Sim.objects.filter(status="inactive").update(activated_at=api.now() - timedelta(days=3))
    ready = sandbox.get("/v1/Sims", params={"Status": "ready"}).json()["sims"][0]["sid"]
    assert sandbox.post(f"/v1/Sims/{ready}", {"Status": "active"}).status_code == 202
    services.run_due_transitions(api.now() + timedelta(seconds=1))  # activation, then 3 hours backfilled

    accepted = ConnectionEvent.objects.filter(sim_sid=ready, type="attachment.accepted").latest("timestamp")
    assert accepted.ce_type == "com.kore.supersim.connection.attachment.accepted"
    assert SimConnectionState.objects.get(sim_sid=ready).is_online()
    assert EventBatch.objects.filter(dead__gt=0).count() == 0

    # an hour fully inside the backfill: one session per active SIM, its bytes those the usage records serve
    hour = (api.now() - timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
    later = hour + timedelta(hours=1)
    ended = ConnectionEvent.objects.filter(
        type="data-session.ended", session_started_at__gte=hour, session_started_at__lt=later
    )
    active = set(Sim.objects.filter(status="active").values_list("sid", flat=True))
    assert set(ended.values_list("sim_sid", flat=True)) == active and ended.count() == len(active)
    window = {"Granularity": "hour", "StartTime": api.iso(hour), "EndTime": api.iso(later)}
    record = sandbox.get("/v1/UsageRecords", params=window).json()["usage_records"][0]
    sums = ended.aggregate(up=Sum("data_upload"), down=Sum("data_download"), total=Sum("data_total"))
    assert (sums["up"], sums["down"], sums["total"]) == (
        record["data_upload"], record["data_download"], record["data_total"],
    )  # fmt: skip
    homes = dict(Sim.objects.filter(status="active").values_list("sid", "home_network__sid"))
    assert all(e.network_sid == homes[e.sim_sid] for e in ended)  # bytes only ever on the home network

    # roaming SIMs attach to a visited network of their NAP between sessions: a network change
    roaming = [
        sid
        for sid in active
        if ConnectionEvent.objects.filter(sim_sid=sid).exclude(network_sid=homes[sid]).exists()
    ]
    assert roaming
    assert any(item.kind == "network" for item in sim_timeline(roaming[0]))

    # SIMs made inactive are refused, with the cause
    inactive = set(Sim.objects.filter(status="inactive").values_list("sid", flat=True))
    rejected = ConnectionEvent.objects.filter(type="attachment.rejected")
    assert inactive and set(rejected.values_list("sim_sid", flat=True)) == inactive
    assert {e.error_code for e in rejected} == {"7"}
    state = SimConnectionState.objects.get(sim_sid=ready)
    assert state.lat is not None and state.cell_id and state.network_name


def test_fault_injection_redelivers_out_of_order_and_nothing_is_stored_twice(sink, settings):
    settings.SANDBOX_EVENT_FAULT_RATE = 1.0  # every batch shuffled, then sent again
    at = api.now()
    first = sandbox_events.tick(at)
    stored = ConnectionEvent.objects.count()
    assert first == stored > 100  # more than one batch
    again = sandbox_events.tick(at + timedelta(seconds=1))  # the redeliveries ("lost acknowledgements")
    assert again == first == sandbox_events.stats["redelivered"]
    assert ConnectionEvent.objects.count() == stored
    assert EventBatch.objects.aggregate(d=Sum("duplicates"))["d"] == stored
    assert sandbox_events.tick(at + timedelta(seconds=2)) == 0  # nothing sent a third time

    settings.SANDBOX_EVENT_FAULT_RATE = 0.0
    sandbox_events.reset()  # a restarted sandbox sends its backfill again: all duplicates
    assert sandbox_events.tick(at) == stored and ConnectionEvent.objects.count() == stored


def test_a_refused_delivery_is_retried(sink, settings):
    settings.CONNECTION_EVENTS_BASIC_PASSWORD = "another"  # the sink refuses (401)
    at = api.now()
    assert sandbox_events.tick(at) == 0 and ConnectionEvent.objects.count() == 0
    settings.CONNECTION_EVENTS_BASIC_PASSWORD = AUTH[1]
    delivered = sandbox_events.tick(at + timedelta(seconds=1))
    assert delivered == ConnectionEvent.objects.count() > 0
