"""Evaluation triggers: a usage sync from the sandbox (over real HTTP) and a processed batch of connection
events evaluate the matching rules at once, without waiting for beat."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from apps.alerts.models import Alert
from apps.events.services import process_batch, receive
from apps.events.testing import cloud_event
from apps.fleets.models import Fleet
from apps.sims.tests.factories import SimFactory
from apps.sync import services as sync_services
from apps.usage.models import UsageRecord

from .factories import rule

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _no_debounce(settings):
    settings.ALERT_TRIGGER_DEBOUNCE_SECONDS = 0
    cache.clear()


def test_a_usage_sync_from_the_sandbox_evaluates_usage_rules(sandbox_api, settings):
    settings.SUPERSIM_RETRY_BACKOFF = 0.01
    settings.SYNC_USAGE_INITIAL_DAYS = 2
    settings.SYNC_USAGE_HOURLY_DAYS = 1
    call_command("sandbox_seed", sims=6, fleets=1, seed=3, inventory=0, stdout=io.StringIO())
    runs = sync_services.sync_all(
        runs=sync_services.runs_create(resources=["networks", "naps", "fleets", "sims"])
    )
    assert all(r.status == "succeeded" for r in runs)
    fleet = Fleet.objects.get()
    r = rule(scope="fleet", fleet=fleet, threshold="0.01")  # any data at all this period
    assert Alert.objects.count() == 0

    runs = sync_services.sync_all(runs=sync_services.runs_create(resources=["usage"]))
    assert runs[0].status == "succeeded"
    # the SIMs of the fleet with usage this period, read from the synced records (not from the rule's code)
    month = timezone.now().astimezone(dt.UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    used = set(
        UsageRecord.objects.filter(
            group="sim", granularity="day", period_start__gte=month, data_total__gt=0
        ).values_list("group_key", flat=True)
    )
    assert used  # the sandbox's active SIMs use data every hour
    assert set(Alert.objects.filter(rule=r, state="open").values_list("subject_id", flat=True)) == used


def test_connection_events_evaluate_rejection_rules():
    sim = SimFactory()
    r = rule(condition="attach_rejected", threshold=2, window_minutes=30)
    now = timezone.now()
    members = [
        cloud_event(
            "attachment.rejected", sim_sid=sim.sid, at=now - dt.timedelta(minutes=m), error={"code": "7"}
        )
        for m in (3, 2)
    ]
    batch = receive(body=json.dumps(members).encode(), content_type="application/json", headers={})
    process_batch(batch.pk)
    alert = Alert.objects.get(rule=r)
    assert (alert.subject_id, alert.value, alert.state) == (sim.sid, 2, "open")
