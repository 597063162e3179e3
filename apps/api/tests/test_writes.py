"""Writes through the API against the sandbox over real HTTP: the pages' services (API first, then local,
then audit with ``source=api``), each role's rights, the API's refusals passed through as 4xx / 502."""

from __future__ import annotations

import pytest
import requests

from apps.api.tokens import token_create
from apps.audit.models import AuditEvent
from apps.core.models import Job
from apps.esims.models import EsimProfile
from apps.fleets.models import Fleet
from apps.networks.models import Network, NetworkAccessProfile, NetworkAccessProfileNetwork
from apps.sims.models import Sim
from apps.sync.models import SyncRun

pytestmark = pytest.mark.django_db(transaction=True)
PROBLEM = "application/problem+json"


def a_sim(**filters) -> Sim:
    sim = Sim.objects.filter(removed_at__isnull=True, **filters).order_by("sid").first()
    assert sim is not None, f"the seed has no SIM with {filters}"
    return sim


def post(client, url, body):
    return client.post(url, body, format="json")


def last_audit(action: str) -> AuditEvent:
    return AuditEvent.objects.filter(action=action).latest("id")


def test_sim_status_fleet_and_rename_as_operator(synced, operator_api):
    sim = a_sim(status="active")
    target = Fleet.objects.exclude(sid=sim.fleet_id).order_by("sid").first()

    moved = post(operator_api, f"/api/v1/sims/{sim.sid}/fleet/", {"fleet": target.sid})
    assert moved.status_code == 200, moved.json()
    assert moved.json()["fleet"] == target.sid
    renamed = post(operator_api, f"/api/v1/sims/{sim.sid}/rename/", {"unique_name": "pump-42"})
    assert renamed.status_code == 200 and renamed.json()["unique_name"] == "pump-42"
    stopped = post(operator_api, f"/api/v1/sims/{sim.sid}/status/", {"status": "inactive"})
    assert stopped.status_code == 200 and stopped.json()["status"] == "inactive"

    sim.refresh_from_db()
    assert (sim.fleet_id, sim.unique_name, sim.status) == (target.sid, "pump-42", "inactive")
    for action in ("sim.update_fleet", "sim.rename", "sim.update_status"):
        event = last_audit(action)
        assert (event.source, event.success, event.username, event.object_id) == (
            "api",
            True,
            "operator1",
            sim.sid,
        )
    assert last_audit("sim.rename").after["unique_name"] == "pump-42"


def test_refusals_pass_through_as_4xx_and_change_nothing(synced, operator_api):
    sim, other = Sim.objects.filter(removed_at__isnull=True).order_by("sid")[:2]
    assert post(operator_api, f"/api/v1/sims/{sim.sid}/rename/", {"unique_name": "taken"}).status_code == 200
    refused = post(operator_api, f"/api/v1/sims/{other.sid}/rename/", {"unique_name": "taken"})
    assert refused.status_code == 400
    assert refused["Content-Type"] == PROBLEM
    body = refused.json()
    assert body["api_code"] == 83011 and body["api_status"] == 400
    assert body["detail"].startswith("The Super SIM API refused the request (error 83011): ")
    other_name = other.unique_name
    other.refresh_from_db()
    assert other.unique_name == other_name
    failed = AuditEvent.objects.get(action="sim.rename", success=False)
    assert failed.source == "api" and failed.requested == {"unique_name": "taken"}

    # a status that is no next state of the SIM's: refused before any API call
    active = a_sim(status="active")
    not_allowed = post(operator_api, f"/api/v1/sims/{active.sid}/status/", {"status": "new"})
    assert not_allowed.status_code == 400
    assert not_allowed.json()["errors"]["status"][0].startswith("Select a valid choice.")
    # input the form refuses: its message, per field
    bad = post(operator_api, f"/api/v1/sims/{active.sid}/rename/", {"unique_name": "HS" + "0" * 32})
    assert bad.status_code == 400
    assert bad.json()["errors"] == {"unique_name": ["A unique name must not look like a SIM SID."]}
    assert post(operator_api, f"/api/v1/sims/{active.sid}/rename/", ["x"]).status_code == 400


def test_api_outage_is_a_502_problem_never_a_500(synced, operator_api, settings):
    sim = a_sim(status="active")
    settings.SUPERSIM_API_BASE_URL = "http://127.0.0.1:9"
    settings.SUPERSIM_MAX_RETRIES = 0
    response = post(operator_api, f"/api/v1/sims/{sim.sid}/rename/", {"unique_name": "nowhere"})
    assert response.status_code == 502
    assert response["Content-Type"] == PROBLEM
    assert response.json()["title"] == "The Super SIM API failed"
    assert AuditEvent.objects.get(action="sim.rename").success is False


def test_viewer_token_is_refused_every_write_and_nothing_changes(synced, viewer_api):
    sim = a_sim(status="active")
    fleet = Fleet.objects.order_by("sid").first()
    nap = NetworkAccessProfile.objects.order_by("sid").first()
    writes = [
        ("post", f"/api/v1/sims/{sim.sid}/status/", {"status": "inactive"}),
        ("post", f"/api/v1/sims/{sim.sid}/fleet/", {"fleet": fleet.sid}),
        ("post", f"/api/v1/sims/{sim.sid}/rename/", {"unique_name": "hacked"}),
        ("post", "/api/v1/fleets/", {"unique_name": "x"}),
        ("patch", f"/api/v1/fleets/{fleet.sid}/", {"unique_name": "x"}),
        ("post", "/api/v1/naps/", {"unique_name": "x"}),
        ("patch", f"/api/v1/naps/{nap.sid}/", {"unique_name": "x"}),
        ("post", f"/api/v1/naps/{nap.sid}/networks/", {"network": "HW0"}),
        ("post", "/api/v1/esim-profiles/", {"generate_matching_id": True}),
        ("post", "/api/v1/sms-commands/", {"sim": sim.sid, "payload": "x"}),
        ("post", "/api/v1/ip-commands/", {"sim": sim.sid, "payload": "x", "device_port": 6000}),
        ("post", "/api/v1/jobs/", {"action": "status", "value": "inactive", "sids": [sim.sid]}),
        ("post", "/api/v1/sync-runs/", {}),
    ]
    before = Sim.objects.values().get(pk=sim.pk)
    statuses = [getattr(viewer_api, m)(url, body, format="json").status_code for m, url, body in writes]
    assert statuses == [403] * len(writes)
    assert Sim.objects.values().get(pk=sim.pk) == before
    assert AuditEvent.objects.filter(action="access.denied", source="api").count() == len(writes)


def test_fleets_and_naps_are_for_admins(synced, operator_api, admin_api):
    nap = NetworkAccessProfile.objects.order_by("sid").first()
    new_fleet = {"unique_name": "api-fleet", "network_access_profile": nap.sid, "data_limit": 250}
    assert post(operator_api, "/api/v1/fleets/", new_fleet).status_code == 403
    created = post(admin_api, "/api/v1/fleets/", new_fleet)
    assert created.status_code == 201, created.json()
    fleet = Fleet.objects.get(sid=created.json()["sid"])
    assert (fleet.unique_name, fleet.data_limit, fleet.network_access_profile_id) == (
        "api-fleet",
        250,
        nap.sid,
    )
    patched = admin_api.patch(f"/api/v1/fleets/{fleet.sid}/", {"data_limit": 500}, format="json")
    assert patched.status_code == 200 and patched.json()["data_limit"] == 500
    assert last_audit("fleet.update").message == "changed: data_limit"
    too_big = admin_api.patch(f"/api/v1/fleets/{fleet.sid}/", {"data_limit": 3_000_000}, format="json")
    assert too_big.status_code == 400 and "data_limit_value" in too_big.json()["errors"]

    networks = list(Network.objects.order_by("sid").values_list("sid", flat=True)[:2])
    assert post(operator_api, "/api/v1/naps/", {"unique_name": "api-nap"}).status_code == 403
    made = post(admin_api, "/api/v1/naps/", {"unique_name": "api-nap", "networks": networks[:1]})
    assert made.status_code == 201, made.json()
    sid = made.json()["sid"]
    renamed = admin_api.patch(f"/api/v1/naps/{sid}/", {"unique_name": "api-nap-2"}, format="json")
    assert renamed.status_code == 200 and renamed.json()["unique_name"] == "api-nap-2"
    added = post(admin_api, f"/api/v1/naps/{sid}/networks/", {"network": networks[1]})
    assert added.status_code == 201 and added.json()["network"] == networks[1]
    live = NetworkAccessProfileNetwork.objects.filter(nap_id=sid, removed_at__isnull=True)
    assert sorted(live.values_list("network_id", flat=True)) == sorted(networks)
    assert operator_api.delete(f"/api/v1/naps/{sid}/networks/{networks[0]}/").status_code == 403
    assert admin_api.delete(f"/api/v1/naps/{sid}/networks/{networks[0]}/").status_code == 204
    assert list(live.values_list("network_id", flat=True)) == [networks[1]]
    assert admin_api.delete(f"/api/v1/naps/{sid}/networks/{networks[0]}/").status_code == 404
    sources = set(
        AuditEvent.objects.filter(
            action__in=["fleet.create", "nap.create", "nap.network_remove"]
        ).values_list("source", flat=True)
    )
    assert sources == {"api"}


def test_esim_profile_create_and_commands_as_operator(synced, operator_api):
    created = post(operator_api, "/api/v1/esim-profiles/", {"generate_matching_id": True})
    assert created.status_code == 201, created.json()
    profile = EsimProfile.objects.get(sid=created.json()["sid"])
    assert last_audit("esim_profile.create").source == "api"
    refused = post(operator_api, "/api/v1/esim-profiles/", {"eid": "123"})
    assert refused.status_code == 400
    assert refused.json()["errors"]["eid"] == ["The EID must be exactly 32 digits long; this one has 3."]
    assert operator_api.get(f"/api/v1/esim-profiles/{profile.sid}/").status_code == 200

    sim = a_sim(status="active")
    sms = post(operator_api, "/api/v1/sms-commands/", {"sim": sim.sid, "payload": "ping"})
    assert sms.status_code == 201, sms.json()
    assert sms.json()["sim"] == sim.sid and sms.json()["payload"] == "ping"
    ip = post(
        operator_api,
        "/api/v1/ip-commands/",
        {"sim": sim.iccid, "payload": "68656c6c6f", "payload_type": "hex", "device_port": 6000},
    )
    assert ip.status_code == 201, ip.json()
    assert ip.json()["device_port"] == 6000 and ip.json()["payload_type"] == "binary"
    assert {last_audit("sms_command.send").source, last_audit("ip_command.send").source} == {"api"}
    too_long = post(operator_api, "/api/v1/sms-commands/", {"sim": sim.sid, "payload": "x" * 161})
    assert too_long.status_code == 400 and "payload" in too_long.json()["errors"]
    unknown = post(operator_api, "/api/v1/sms-commands/", {"sim": "nosuchsim", "payload": "x"})
    assert unknown.status_code == 400
    assert unknown.json()["errors"] == {"__all__": ["Unknown SIM(s): nosuchsim"]}
    listed = operator_api.get("/api/v1/sms-commands/").json()["results"]
    assert sms.json()["sid"] in [c["sid"] for c in listed]


def test_bulk_job_then_follow_its_progress(synced, operator_api):
    sims = list(Sim.objects.filter(status="active", removed_at__isnull=True).order_by("sid")[:3])
    made = post(
        operator_api,
        "/api/v1/jobs/",
        {"action": "status", "value": "inactive", "sids": [s.sid for s in sims]},
    )
    assert made.status_code == 201, made.json()
    job_id = made.json()["id"]
    progress = operator_api.get(f"/api/v1/jobs/{job_id}/").json()
    assert (progress["status"], progress["total"], progress["processed"], progress["succeeded"]) == (
        "succeeded",
        3,
        3,
        3,
    )
    items = operator_api.get(f"/api/v1/jobs/{job_id}/items/").json()["results"]
    assert sorted(i["key"] for i in items) == sorted(s.sid for s in sims)
    assert set(Sim.objects.filter(pk__in=[s.pk for s in sims]).values_list("status", flat=True)) == {
        "inactive"
    }
    assert AuditEvent.objects.get(action="job.create").source == "api"

    fleet = Fleet.objects.order_by("sid").first()
    by_filter = post(
        operator_api,
        "/api/v1/jobs/",
        {"action": "fleet", "value": fleet.sid, "filter": {"status": "inactive"}},
    )
    assert by_filter.status_code == 201, by_filter.json()
    assert by_filter.json()["total"] == Sim.objects.filter(status="inactive", removed_at__isnull=True).count()
    nothing = post(
        operator_api, "/api/v1/jobs/", {"action": "status", "value": "inactive", "filter": {"q": "nomatch"}}
    )
    assert nothing.status_code == 422 and nothing.json()["detail"] == "no SIM to change"
    assert Job.objects.count() == 2


def test_sync_run_trigger_and_list(synced, operator_api):
    started = post(operator_api, "/api/v1/sync-runs/", {"resource": "fleets"})
    assert started.status_code == 201, started.json()
    assert [r["resource"] for r in started.json()["runs"]] == ["fleets"]
    run_id = started.json()["runs"][0]["id"]
    assert operator_api.get(f"/api/v1/sync-runs/{run_id}/").json()["status"] == "succeeded"
    assert run_id in [r["id"] for r in operator_api.get("/api/v1/sync-runs/").json()["results"]]
    event = last_audit("sync.start")
    assert event.source == "api" and event.after["resources"] == ["fleets"]
    unknown = post(operator_api, "/api/v1/sync-runs/", {"resource": "nope"})
    assert unknown.status_code == 400 and "resource" in unknown.json()["errors"]
    assert SyncRun.objects.filter(resource="nope").count() == 0


def test_over_real_http_with_a_token(synced, live_server, operator):
    """The whole path over a socket: token header in, JSON out, the write reaching the sandbox."""
    _, secret = token_create(user=operator, name="http", scope="write")
    headers = {"Authorization": f"Bearer {secret}"}
    sim = a_sim(status="active")
    listed = requests.get(f"{live_server.url}/api/v1/sims/?page_size=5", headers=headers, timeout=30)
    assert listed.status_code == 200 and len(listed.json()["results"]) == 5
    renamed = requests.post(
        f"{live_server.url}/api/v1/sims/{sim.sid}/rename/",
        json={"unique_name": "over-http"},
        headers=headers,
        timeout=30,
    )
    assert renamed.status_code == 200 and renamed.json()["unique_name"] == "over-http"
    anonymous = requests.get(f"{live_server.url}/api/v1/sims/", timeout=30)
    assert anonymous.status_code == 401 and anonymous.headers["Content-Type"] == PROBLEM
