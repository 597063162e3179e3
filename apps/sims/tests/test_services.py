"""SIM write services and action views over real HTTP against the sandbox (the API emulator)."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.fleets.models import Fleet
from apps.sims import services
from apps.sims.models import BillingPeriod, Sim
from apps.sync.services import runs_create, sync_all


@pytest.fixture
def sandbox_sims(sandbox_api, settings):
    """30 SIMs in 3 fleets in the sandbox, synced into the local tables; changes apply on the next read."""
    settings.SANDBOX_SCHEDULE_DELAY_SECONDS = 0
    settings.SUPERSIM_RETRY_BACKOFF = 0.01
    settings.SUPERSIM_RETRY_BACKOFF_MAX = 0.05
    settings.PUBLIC_BASE_URL = ""
    call_command("sandbox_seed", sims=30, fleets=3, seed=7, stdout=io.StringIO())
    runs = sync_all(runs=runs_create(resources=["naps", "fleets", "sims"], source="cli"))
    assert all(r.status == "succeeded" for r in runs), [(r.resource, r.status, r.error) for r in runs]
    assert Sim.objects.count() == 30
    return sandbox_api


def a_sim(**filters) -> Sim:
    sim = Sim.objects.filter(**filters).order_by("sid").first()
    assert sim is not None, f"the seed has no SIM with {filters}"
    return sim


def hx(client, url, data):
    return client.post(url, data, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="sim-panel")


@pytest.mark.django_db(transaction=True)
@pytest.mark.providers
def test_status_change_and_scheduled_activation_until_the_poll_says_done(sandbox_sims, operator_client):
    sim = a_sim(status="inactive", fleet__isnull=False)
    url = reverse("sims:sim_update_status", kwargs={"sid": sim.sid})
    response = hx(operator_client, url, {"status": "active"})
    assert response.status_code == 200
    assert "simUpdated" in response["HX-Trigger"]
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="sim-panel"')
    assert 'id="sim-status"' in body and 'hx-swap-oob="true"' in body  # the badge is replaced too
    assert "pending" in body and reverse("sims:sim_status_poll", kwargs={"sid": sim.sid}) in body
    sim.refresh_from_db()
    assert sim.status == "scheduled"  # from the API's 202 answer, not guessed
    event = AuditEvent.objects.get(action="sim.update_status", object_id=sim.sid)
    assert event.success and event.before["status"] == "inactive" and event.after["status"] == "scheduled"
    assert event.api_response["http_status"] == 202
    # the poll re-fetches the SIM through the API; the sandbox applied the due transition: stop polling
    poll = operator_client.get(
        reverse("sims:sim_status_poll", kwargs={"sid": sim.sid}), HTTP_HX_REQUEST="true"
    )
    assert poll.status_code == 286
    assert json.loads(poll["HX-Trigger"])["simRefreshed"]["status"] == "active"
    assert b'data-status="active"' in poll.content and b"every 2s" not in poll.content
    sim.refresh_from_db()
    assert sim.status == "active"


@pytest.mark.django_db(transaction=True)
def test_poll_keeps_polling_while_the_api_still_says_scheduled(sandbox_sims, operator, settings):
    settings.SANDBOX_SCHEDULE_DELAY_SECONDS = 3600
    sim = a_sim(status="inactive", fleet__isnull=False)
    sim = services.sim_update_status(sim=sim, status="active", user=operator)
    assert sim.status == "scheduled"
    from django.test import Client

    c = Client()
    c.force_login(operator)
    poll = c.get(reverse("sims:sim_status_poll", kwargs={"sid": sim.sid}), HTTP_HX_REQUEST="true")
    assert poll.status_code == 200 and b'hx-trigger="every 2s"' in poll.content


@pytest.mark.django_db(transaction=True)
def test_activating_a_sim_without_fleet_shows_twilio_83007_and_changes_nothing(sandbox_sims, operator_client):
    sim = a_sim(status="new", fleet__isnull=True)
    before = Sim.objects.values().get(pk=sim.pk)
    response = hx(
        operator_client, reverse("sims:sim_update_status", kwargs={"sid": sim.sid}), {"status": "active"}
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "83007" in body and "Fleet" in body
    assert Sim.objects.values().get(pk=sim.pk) == before  # nothing local changed
    event = AuditEvent.objects.get(action="sim.update_status", object_id=sim.sid)
    assert event.success is False and event.api_response["code"] == 83007


@pytest.mark.django_db(transaction=True)
def test_move_fleet_and_rename(sandbox_sims, operator_client):
    sim = a_sim(status="active")
    target = Fleet.objects.exclude(sid=sim.fleet_id).order_by("sid").first()
    response = hx(
        operator_client, reverse("sims:sim_update_fleet", kwargs={"sid": sim.sid}), {"fleet": target.sid}
    )
    assert response.status_code == 200 and "simUpdated" in response["HX-Trigger"]
    sim.refresh_from_db()
    assert sim.fleet_id == target.sid
    assert AuditEvent.objects.get(action="sim.update_fleet").after["fleet_sid"] == target.sid

    response = hx(
        operator_client, reverse("sims:sim_rename", kwargs={"sid": sim.sid}), {"unique_name": "pump-42"}
    )
    assert response.status_code == 200
    sim.refresh_from_db()
    assert sim.unique_name == "pump-42"
    # another SIM may not take the same name: the API refuses (83011), shown on the form
    other = Sim.objects.exclude(pk=sim.pk).order_by("sid").first()
    response = hx(
        operator_client, reverse("sims:sim_rename", kwargs={"sid": other.sid}), {"unique_name": "pump-42"}
    )
    assert response.status_code == 422 and b"83011" in response.content
    assert b'data-error="unique_name"' in response.content
    other_before = other.unique_name
    other.refresh_from_db()
    assert other.unique_name == other_before
    assert AuditEvent.objects.filter(action="sim.rename", success=False).count() == 1


@pytest.mark.django_db(transaction=True)
def test_non_htmx_post_redirects_back_to_the_sim(sandbox_sims, operator_client):
    sim = a_sim(status="active")
    response = operator_client.post(
        reverse("sims:sim_update_status", kwargs={"sid": sim.sid}), {"status": "inactive"}
    )
    assert response.status_code == 302 and response["Location"] == sim.get_absolute_url()
    sim.refresh_from_db()
    assert sim.status == "inactive"


@pytest.mark.django_db(transaction=True)
def test_fetch_billing_periods_and_ips_with_the_sync_engine(sandbox_sims, operator_client):
    sim = a_sim(status="active")
    assert not BillingPeriod.objects.filter(sim_id=sim.sid).exists()
    response = operator_client.post(
        reverse("sims:sim_sync_details", kwargs={"sid": sim.sid}),
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="sim-details",
    )
    assert response.status_code == 200 and "simDetailsSynced" in response["HX-Trigger"]
    periods = BillingPeriod.objects.filter(sim_id=sim.sid)
    assert periods.exists()
    assert periods.first().sid in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_refresh_and_callback_url(sandbox_sims, settings):
    sim = a_sim(status="active")
    Sim.objects.filter(pk=sim.pk).update(unique_name="stale")
    sim.refresh_from_db()
    fresh = services.sim_refresh(sim=sim)
    assert fresh.unique_name != "stale"
    assert (
        services.sim_status_callback_url(base="https://x.example") == "https://x.example/webhooks/sim-status/"
    )
    settings.PUBLIC_BASE_URL = "https://admin.example.com"
    assert services.sim_status_callback_url() == "https://admin.example.com/webhooks/sim-status/"
