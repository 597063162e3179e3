"""The state per SIM: transitions, out-of-order events, idempotent counters, IMEI changes; retention."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from apps.events.models import ConnectionEvent, DeadLetter, EventBatch, SimConnectionState
from apps.events.services import process_batch, prune, receive
from apps.events.testing import cloud_event

pytestmark = pytest.mark.django_db
SIM = "HS" + "2" * 32
OTHER_NET = {
    "sid": "HWbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
    "friendly_name": "Orange",
    "iso_country": "FR",
    "mcc": "208",
    "mnc": "01",
}


def ingest(*members):
    import json

    batch = receive(body=json.dumps(list(members)).encode(), content_type="application/json", headers={})
    process_batch(batch.pk)
    return SimConnectionState.objects.filter(sim_sid=SIM).first()


def ago(**kwargs):
    return timezone.now() - dt.timedelta(**kwargs)


def test_online_offline_transitions():
    state = ingest(cloud_event("attachment.accepted", sim_sid=SIM, at=ago(minutes=5)))
    assert state.is_online() and SimConnectionState.objects.online().count() == 1
    state = ingest(
        cloud_event("attachment.rejected", sim_sid=SIM, at=ago(minutes=4), error={"code": "7", "message": ""})
    )
    assert not state.is_online() and SimConnectionState.objects.online().count() == 0
    assert (state.rejection_code, state.rejection_network) == ("7", "Vodafone")
    state = ingest(
        cloud_event("data-session.started", sim_sid=SIM, at=ago(minutes=3), data_session_sid="HD1")
    )
    assert state.is_online() and state.in_session
    state = ingest(
        cloud_event(
            "data-session.ended", sim_sid=SIM, at=ago(minutes=2), data_session_sid="HD1", data_total=100
        )
    )
    assert not state.in_session and state.is_online()  # attached within the window
    assert not state.is_online(now=timezone.now() + dt.timedelta(hours=2))
    assert SimConnectionState.objects.online(now=timezone.now() + dt.timedelta(hours=2)).count() == 0
    # a session whose events stopped: online until the stale limit, then offline
    state = ingest(
        cloud_event("data-session.updated", sim_sid=SIM, at=ago(minutes=1), data_session_sid="HD2")
    )
    assert state.is_online(now=timezone.now() + dt.timedelta(hours=5))
    assert not state.is_online(now=timezone.now() + dt.timedelta(hours=7))


def test_out_of_order_events_never_move_state_backwards():
    state = ingest(
        cloud_event(
            "data-session.ended",
            sim_sid=SIM,
            at=ago(minutes=10),
            data_session_sid="HD1",
            network=OTHER_NET,
            imei="490154203237518",
            location={"cell_id": "999", "lac": "1", "lat": 48.85, "lon": 2.35},
        ),
    )
    newest = state.last_seen_at
    # older events arrive afterwards: a session update of the same session and an attachment elsewhere
    state = ingest(
        cloud_event(
            "data-session.updated",
            sim_sid=SIM,
            at=ago(minutes=20),
            data_session_sid="HD1",
            location={"cell_id": "111", "lat": 52.5, "lon": 13.4},
        ),
        cloud_event("attachment.accepted", sim_sid=SIM, at=ago(minutes=30)),
    )
    assert not state.in_session  # the older "updated" did not reopen the ended session
    assert (state.network_name, state.iso_country, state.mcc) == ("Orange", "FR", "208")
    assert state.cell_id == "999" and state.lat == 48.85
    assert state.last_seen_at == newest and state.attached_at == newest
    assert state.first_seen_at < newest
    assert state.imei == "490154203237518"
    assert state.sessions_today == 1  # one session, three of its events


def test_imei_change_is_flagged():
    state = ingest(cloud_event("attachment.accepted", sim_sid=SIM, at=ago(minutes=9), imei="356938035643809"))
    assert not state.imei_changed
    state = ingest(cloud_event("attachment.accepted", sim_sid=SIM, at=ago(minutes=2), imei="490154203237518"))
    assert state.imei_changed and (state.imei, state.imei_previous) == ("490154203237518", "356938035643809")
    # an older event of the first device changes nothing of the current one
    state = ingest(cloud_event("attachment.accepted", sim_sid=SIM, at=ago(minutes=8), imei="356938035643809"))
    assert (state.imei, state.imei_previous) == ("490154203237518", "356938035643809")


def test_session_counters_are_idempotent_and_count_zero_byte_sessions():
    start = timezone.localtime().replace(hour=0, minute=30, second=0, microsecond=0)
    started = cloud_event("data-session.started", sim_sid=SIM, at=start, data_session_sid="HD1")
    ended = cloud_event(
        "data-session.ended",
        sim_sid=SIM,
        at=start + dt.timedelta(minutes=5),
        data_session_sid="HD1",
        data_total=0,
    )
    ingest(started, ended)
    state = ingest(ended, dict(ended, id="CE-redelivered"), started)  # redeliveries: all duplicates
    assert (state.sessions_today, state.zero_byte_today, state.zero_byte_sessions) == (1, 1, 1)
    state = ingest(
        cloud_event(
            "data-session.ended",
            sim_sid=SIM,
            at=start + dt.timedelta(minutes=30),
            data_session_sid="HD2",
            data_total=4096,
        )
    )
    assert (state.sessions_today, state.zero_byte_today, state.zero_byte_sessions) == (2, 1, 1)
    # yesterday's session arriving late counts for no day of today
    state = ingest(
        cloud_event(
            "data-session.ended",
            sim_sid=SIM,
            at=start - dt.timedelta(days=1),
            data_session_sid="HD0",
            data_total=0,
        )
    )
    assert (state.sessions_today, state.zero_byte_today, state.zero_byte_sessions) == (2, 1, 2)
    assert ConnectionEvent.objects.count() == 4


def test_processing_a_batch_twice_changes_nothing():
    import json

    event = cloud_event("data-session.started", sim_sid=SIM, at=ago(minutes=1), data_session_sid="HD9")
    batch = receive(body=json.dumps(event).encode(), content_type="application/json", headers={})
    assert process_batch(batch.pk).stored == 1
    assert process_batch(batch.pk) is None  # already processed
    EventBatch.objects.filter(pk=batch.pk).update(status="queued")  # a worker died after the commit
    assert process_batch(batch.pk).duplicates == 1
    assert SimConnectionState.objects.get(sim_sid=SIM).sessions_today == 1


def test_prune_deletes_past_the_retention_in_batches(settings):
    settings.CONNECTION_EVENTS_RETENTION_DAYS = 30
    old = [cloud_event("attachment.accepted", sim_sid=SIM, at=ago(days=31, minutes=i)) for i in range(5)]
    recent = cloud_event("attachment.accepted", sim_sid=SIM, at=ago(days=29))
    ingest(*old, recent, "bad member")
    EventBatch.objects.update(received_at=ago(days=40))
    DeadLetter.objects.update(received_at=ago(days=40))
    fresh = ingest(cloud_event("attachment.accepted", sim_sid=SIM, at=ago(minutes=1)))
    assert ConnectionEvent.objects.count() == 7
    counts = prune(batch_size=2)
    assert counts == {"events": 5, "dead_letters": 1, "batches": 1}
    assert ConnectionEvent.objects.count() == 2 and EventBatch.objects.count() == 1
    assert SimConnectionState.objects.get(sim_sid=SIM).last_seen_at == fresh.last_seen_at  # state is kept
    assert prune() == {"events": 0, "dead_letters": 0, "batches": 0}


def test_batches_whose_queue_message_was_lost_are_queued_again():
    import json

    from apps.events.tasks import process_queued_task

    event = cloud_event("attachment.accepted", sim_sid=SIM, at=ago(minutes=1))
    old = receive(
        body=json.dumps(event).encode(), content_type="application/json", headers={}
    )  # never queued
    EventBatch.objects.filter(pk=old.pk).update(received_at=ago(minutes=10))
    recent = receive(body=json.dumps([event]).encode(), content_type="", headers={})
    assert process_queued_task.delay().get() == 1  # the recent one may still be on its way: left alone
    assert EventBatch.objects.get(pk=old.pk).status == "processed"
    assert EventBatch.objects.get(pk=recent.pk).status == "queued"
    assert ConnectionEvent.objects.count() == 1
