"""NAP create / rename / network add / remove over real HTTP against the sandbox (live_server)."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.networks import services
from apps.networks.models import Network, NetworkAccessProfile, NetworkAccessProfileNetwork
from apps.supersim.client import get_client

pytestmark = pytest.mark.django_db(transaction=True)


def upstream_networks(nap_sid: str) -> set[str]:
    return {n["sid"] for n in get_client().nap_networks_list(nap_sid)}


def _create_with_networks(synced, admin_client_):
    picks = list(Network.objects.filter(iso_country="DE").order_by("sid")[:2])
    response = admin_client_.post(
        reverse("networks:nap_create"), {"unique_name": "germany-only", "networks": [n.sid for n in picks]}
    )
    assert response.status_code == 302
    nap = NetworkAccessProfile.objects.get(unique_name="germany-only")
    assert response["Location"] == nap.get_absolute_url()
    assert upstream_networks(nap.sid) == {n.sid for n in picks}
    local = set(nap.memberships.filter(removed_at__isnull=True).values_list("network_id", flat=True))
    assert local == {n.sid for n in picks}  # memberships read back from the API
    event = AuditEvent.objects.filter(action="nap.create").latest("id")
    assert event.success and event.after["networks"] == sorted(n.sid for n in picks)
    page = admin_client_.get(nap.get_absolute_url()).content.decode()
    assert all(n.friendly_name in page for n in picks)


def _create_with_a_taken_name_shows_83011(synced, admin_client_):
    taken = NetworkAccessProfile.objects.exclude(unique_name="").first()
    count = NetworkAccessProfile.objects.count()
    response = admin_client_.post(reverse("networks:nap_create"), {"unique_name": taken.unique_name})
    assert response.status_code == 422 and "error 83011" in response.content.decode()
    assert NetworkAccessProfile.objects.count() == count
    assert AuditEvent.objects.filter(action="nap.create").latest("id").success is False


def _rename_and_refused_rename(synced, admin_client_):
    first, second = NetworkAccessProfile.objects.order_by("id")[:2]
    url = reverse("networks:nap_rename", kwargs={"sid": first.sid})
    response = admin_client_.post(url, {"unique_name": "renamed-nap"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response["HX-Redirect"] == first.get_absolute_url()
    assert "napUpdated" in json.loads(response["HX-Trigger"])
    first.refresh_from_db()
    assert first.unique_name == "renamed-nap" == get_client().nap_fetch(first.sid)["unique_name"]
    event = AuditEvent.objects.filter(action="nap.rename").latest("id")
    assert event.after["unique_name"] == "renamed-nap" and event.before["unique_name"] != "renamed-nap"

    response = admin_client_.post(url, {"unique_name": second.unique_name}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422 and "error 83011" in response.content.decode()
    first.refresh_from_db()
    assert first.unique_name == "renamed-nap"
    assert AuditEvent.objects.filter(action="nap.rename", success=False).count() == 1


def _add_in_place_then_remove(synced, admin_client_):
    nap = NetworkAccessProfile.objects.order_by("id").first()
    before = upstream_networks(nap.sid)
    network = Network.objects.exclude(sid__in=before).order_by("sid").first()
    add = reverse("networks:nap_network_add", kwargs={"sid": nap.sid})
    response = admin_client_.post(
        add, {"network": network.sid}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="nap-networks"
    )
    assert response.status_code == 200
    assert b'<div id="nap-networks">' in response.content
    assert b"<html" not in response.content
    trigger = json.loads(response["HX-Trigger"])
    assert trigger["napNetworkAdded"] == {"nap": nap.sid, "network": network.sid}
    assert upstream_networks(nap.sid) == before | {network.sid}
    membership = NetworkAccessProfileNetwork.objects.get(nap_id=nap.sid, network_id=network.sid)
    assert membership.removed_at is None and membership.friendly_name == network.friendly_name
    event = AuditEvent.objects.filter(action="nap.network_add").latest("id")
    assert network.sid not in event.before["networks"] and network.sid in event.after["networks"]

    remove = reverse("networks:nap_network_remove", kwargs={"sid": nap.sid, "membership_sid": membership.sid})
    response = admin_client_.post(
        remove, {"page": "1"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="nap-networks"
    )
    assert response.status_code == 200
    assert "napNetworkRemoved" in json.loads(response["HX-Trigger"])
    assert upstream_networks(nap.sid) == before
    membership.refresh_from_db()
    assert membership.removed_at is not None
    event = AuditEvent.objects.filter(action="nap.network_remove").latest("id")
    assert (
        event.success
        and network.sid in event.before["networks"]
        and network.sid not in event.after["networks"]
    )


def _add_refused_by_the_api_changes_nothing(synced, admin_client_):
    """The network is already in the NAP upstream but not known locally (stale): the API refuses."""
    nap = NetworkAccessProfile.objects.order_by("id").first()
    member_sid = sorted(upstream_networks(nap.sid))[0]
    NetworkAccessProfileNetwork.objects.filter(nap_id=nap.sid, network_id=member_sid).delete()
    add = reverse("networks:nap_network_add", kwargs={"sid": nap.sid})
    response = admin_client_.post(
        add, {"network": member_sid}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="nap-networks"
    )
    assert response.status_code == 422
    assert b'id="nap-networks-error"' in response.content and b"The API refused" in response.content
    assert "napNetworkAdded" not in response.get("HX-Trigger", "")  # nothing was added: no refresh
    assert not NetworkAccessProfileNetwork.objects.filter(nap_id=nap.sid, network_id=member_sid).exists()
    event = AuditEvent.objects.filter(action="nap.network_add").latest("id")
    assert event.success is False and event.api_response["status"] == 400


def _remove_refused_by_the_api_changes_nothing(synced, admin_member):
    """The membership exists locally but is already gone upstream: DELETE answers 404; the local row stays
    as it was (the next sync sweeps it)."""
    nap = NetworkAccessProfile.objects.order_by("id").first()
    membership = NetworkAccessProfileNetwork.objects.filter(nap_id=nap.sid).first()
    get_client().nap_network_remove(nap.sid, membership.network_id)
    from apps.supersim.errors import SuperSimError

    with pytest.raises(SuperSimError) as info:
        services.nap_network_remove(nap=nap, membership=membership, user=admin_member)
    assert info.value.status == 404
    membership.refresh_from_db()
    assert membership.removed_at is None
    assert AuditEvent.objects.filter(action="nap.network_remove").latest("id").success is False


def test_create_and_rename_flows(synced, admin_client_):
    _create_with_networks(synced=synced, admin_client_=admin_client_)
    _create_with_a_taken_name_shows_83011(synced=synced, admin_client_=admin_client_)
    _rename_and_refused_rename(synced=synced, admin_client_=admin_client_)


def test_membership_flows(synced, admin_client_, admin_member):
    _add_in_place_then_remove(synced=synced, admin_client_=admin_client_)
    _add_refused_by_the_api_changes_nothing(synced=synced, admin_client_=admin_client_)
    _remove_refused_by_the_api_changes_nothing(synced=synced, admin_member=admin_member)
