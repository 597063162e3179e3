"""Fleet create/edit over real HTTP against the sandbox (live_server): API first, local row from the
answer, audit entry; refusals shown on the page with nothing local changed."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.fleets import services
from apps.fleets.models import Fleet
from apps.networks.models import NetworkAccessProfile
from apps.supersim.client import get_client
from apps.supersim.errors import SuperSimError

pytestmark = pytest.mark.django_db(transaction=True)
CREATE = reverse("fleets:fleet_create")


def form_data(nap: NetworkAccessProfile, **extra) -> dict:
    data = {
        "unique_name": "new-fleet",
        "network_access_profile": nap.sid,
        "data_limit_value": "1.5",
        "data_limit_unit": "GB",
        "data_enabled": "on",
        "sms_commands_method": "POST",
        "ip_commands_method": "GET",
        "ip_commands_url": "https://device-backend.example.com/ip",
    }
    data.update(extra)
    return data


def _create_over_http_then_local_row_from_the_answer_and_audit(synced, admin_client_, admin_member):
    nap = NetworkAccessProfile.objects.order_by("id").first()
    response = admin_client_.post(CREATE, form_data(nap), HTTP_HX_REQUEST="true")
    assert response.status_code == 200, response.content[:2000]
    fleet = Fleet.objects.get(unique_name="new-fleet")
    assert response["HX-Redirect"] == fleet.get_absolute_url()
    assert json.loads(response["HX-Trigger"])["fleetCreated"] == {"sid": fleet.sid}
    upstream = get_client().fleet_fetch(fleet.sid)  # it exists upstream, with what we asked for
    assert upstream["data_limit"] == 1500 and upstream["data_enabled"] is True
    assert upstream["sms_commands_enabled"] is False and upstream["ip_commands_method"] == "GET"
    assert fleet.data_limit == 1500 and fleet.network_access_profile_id == nap.sid
    assert fleet.raw == upstream  # the local row IS the API's answer
    event = AuditEvent.objects.filter(action="fleet.create", success=True).latest("id")
    assert event.object_id == fleet.sid and event.before is None
    assert event.after["data_limit"] == 1500 and event.api_response["sid"] == fleet.sid
    assert event.request_id and event.user == admin_member


def _create_with_dashboard_webhooks_fills_the_urls(synced, admin_client_, settings):
    settings.PUBLIC_BASE_URL = "https://dash.example.com"
    nap = NetworkAccessProfile.objects.order_by("id").first()
    data = form_data(nap, unique_name="hooked", use_dashboard_webhooks="on", ip_commands_url="not a url")
    response = admin_client_.post(CREATE, data)
    assert response.status_code == 302
    fleet = Fleet.objects.get(unique_name="hooked")
    assert fleet.sms_commands_url == "https://dash.example.com/webhooks/sms-commands/"
    assert fleet.ip_commands_url == "https://dash.example.com/webhooks/ip-commands/"
    assert get_client().fleet_fetch(fleet.sid)["sms_commands_url"] == fleet.sms_commands_url


def _duplicate_unique_name_is_refused_by_the_api_and_shown(synced, admin_client_):
    existing = Fleet.objects.exclude(unique_name="").order_by("id").first()
    nap = NetworkAccessProfile.objects.order_by("id").first()
    count = Fleet.objects.count()
    response = admin_client_.post(
        CREATE, form_data(nap, unique_name=existing.unique_name), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 422
    content = response.content.decode()
    assert "error 83011" in content and existing.unique_name in content
    assert response.context["form"].errors["unique_name"]
    assert Fleet.objects.count() == count
    event = AuditEvent.objects.filter(action="fleet.create").latest("id")
    assert event.success is False and event.api_response["code"] == 83011


def _edit_changes_only_what_changed_and_audits_before_after(synced, admin_client_):
    fleet = Fleet.objects.exclude(unique_name="").order_by("id").first()
    other_nap = NetworkAccessProfile.objects.exclude(sid=fleet.network_access_profile_id).first() or (
        fleet.network_access_profile
    )
    url = reverse("fleets:fleet_edit", kwargs={"sid": fleet.sid})
    data = {
        "unique_name": fleet.unique_name,
        "network_access_profile": other_nap.sid,
        "data_limit_value": "2",
        "data_limit_unit": "TB",
        "sms_commands_url": "https://example.com/sms",
        "sms_commands_method": "GET",
        "ip_commands_url": fleet.ip_commands_url,
        "ip_commands_method": fleet.ip_commands_method or "POST",
    }
    response = admin_client_.post(url, data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200, response.content[:2000]
    assert "fleetUpdated" in json.loads(response["HX-Trigger"])
    fleet.refresh_from_db()
    assert fleet.data_limit == 2_000_000 and fleet.sms_commands_url == "https://example.com/sms"
    assert fleet.sms_commands_method == "GET" and fleet.network_access_profile_id == other_nap.sid
    assert get_client().fleet_fetch(fleet.sid)["data_limit"] == 2_000_000
    event = AuditEvent.objects.filter(action="fleet.update", success=True).latest("id")
    assert event.before["data_limit"] != 2_000_000 and event.after["data_limit"] == 2_000_000
    assert "data_limit" in event.message and "unique_name" not in event.message


def _edit_to_a_taken_name_changes_nothing_locally(synced, admin_client_):
    first, second = Fleet.objects.exclude(unique_name="").order_by("id")[:2]
    before = (second.unique_name, second.data_limit, second.content_hash)
    url = reverse("fleets:fleet_edit", kwargs={"sid": second.sid})
    data = {
        "unique_name": first.unique_name,
        "network_access_profile": second.network_access_profile_id,
        "data_limit_value": "5",
        "data_limit_unit": "MB",
        "sms_commands_method": "POST",
        "ip_commands_method": "POST",
    }
    response = admin_client_.post(url, data)
    assert response.status_code == 422 and "error 83011" in response.content.decode()
    second.refresh_from_db()
    assert (second.unique_name, second.data_limit, second.content_hash) == before
    event = AuditEvent.objects.filter(action="fleet.update").latest("id")
    assert event.success is False and (event.before, event.after) == (None, None)  # nothing changed
    assert event.requested["unique_name"] == first.unique_name


def _service_raises_and_audits_on_unknown_nap(synced, admin_member):
    with pytest.raises(SuperSimError) as info:
        services.fleet_create(
            user=admin_member, data={"unique_name": "x", "network_access_profile": "HA" + "0" * 32}
        )
    assert info.value.status == 404
    assert not Fleet.objects.filter(unique_name="x").exists()
    assert AuditEvent.objects.filter(action="fleet.create").latest("id").success is False


def _update_without_changes_makes_no_call(synced, admin_member):
    fleet = Fleet.objects.order_by("id").first()
    same = services.fleet_update(fleet=fleet, user=admin_member, data={"data_limit": fleet.data_limit})
    assert same is fleet
    assert not AuditEvent.objects.filter(action="fleet.update").exists()


def test_create_flows(synced, admin_client_, admin_member, settings):
    _create_over_http_then_local_row_from_the_answer_and_audit(
        synced=synced, admin_client_=admin_client_, admin_member=admin_member
    )
    _create_with_dashboard_webhooks_fills_the_urls(
        synced=synced, admin_client_=admin_client_, settings=settings
    )
    _duplicate_unique_name_is_refused_by_the_api_and_shown(synced=synced, admin_client_=admin_client_)
    _service_raises_and_audits_on_unknown_nap(synced=synced, admin_member=admin_member)


def test_edit_flows(synced, admin_client_, admin_member):
    _update_without_changes_makes_no_call(synced=synced, admin_member=admin_member)
    _edit_changes_only_what_changed_and_audits_before_after(synced=synced, admin_client_=admin_client_)
    _edit_to_a_taken_name_changes_nothing_locally(synced=synced, admin_client_=admin_client_)
