"""What Twilio's documentation says, the sandbox says: the 830xx/836xx codes of its error dictionary
(twilio.com/docs/api/errors/<code>), IP command and eSIM profile details, both ICCID prefixes."""

from datetime import UTC, datetime, timedelta

import pytest

from apps.sandbox import api, services
from apps.sandbox.models import InventorySim, Sim

from .test_api import D, _err

pytestmark = pytest.mark.django_db(transaction=True)


def test_update_sim_fleet_errors(sandbox):
    sb = sandbox
    fleet = sb.get("/v1/Fleets").json()["fleets"][0]
    ready = Sim.objects.filter(status="ready", fleet__isnull=False).order_by("pk").first()
    active = Sim.objects.filter(status="active").order_by("pk").first()
    # a Fleet that does not exist: 83006 (400), not 404
    assert "HF" + "0" * 32 in _err(sb.post(f"/v1/Sims/{ready.sid}", {"Fleet": "HF" + "0" * 32}), 400, 83006)
    _err(sb.post(f"/v1/Sims/{ready.sid}", {"Fleet": "no-such-fleet"}), 400, 83006)
    # removing the Fleet of a ready or active SIM: 83008; with Status=inactive in the same request: fine
    for sim in (ready, active):
        _err(sb.post(f"/v1/Sims/{sim.sid}", {"Fleet": ""}), 400, 83008)
        sim.refresh_from_db()
        assert sim.fleet_id is not None  # nothing changed
    answer = sb.post(f"/v1/Sims/{active.sid}", {"Fleet": "", "Status": "inactive"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["fleet_sid"] is None and answer.json()["status"] == "inactive"
    # while scheduled (activation pending), the Fleet cannot change: 83009
    sb.post(f"/v1/Sims/{ready.sid}", {"Status": "active"})
    Sim.objects.filter(pk=ready.pk).update(due_at=datetime.now(UTC) + timedelta(hours=1))
    assert sb.get(f"/v1/Sims/{ready.sid}").json()["status"] == "scheduled"
    _err(sb.post(f"/v1/Sims/{ready.sid}", {"Fleet": fleet["sid"]}), 400, 83009)
    _err(sb.post(f"/v1/Sims/{ready.sid}", {"Fleet": ""}), 400, 83009)


def test_usage_records_windows_as_documented(sandbox):
    sb = sandbox

    def usage(**params):
        return sb.get("/v1/UsageRecords", params=params)

    # Group=sim: at most 31 days (83603)
    assert usage(Group="sim", StartTime=D(31), EndTime=D(0)).status_code == 200
    _err(usage(Group="sim", StartTime=D(32), EndTime=D(0)), 400, 83603)
    # Granularity: hour at most 31 days, day 3 months, all 18 months (83604)
    _err(usage(Granularity="hour", StartTime=D(40), EndTime=D(0)), 400, 83604)
    assert usage(Granularity="day", StartTime=D(80), EndTime=D(0)).status_code == 200
    _err(usage(Granularity="day", StartTime=D(100), EndTime=D(0)), 400, 83604)
    assert usage(Granularity="all", StartTime=D(400), EndTime=D(0)).status_code == 200
    # 18 months back is the oldest StartTime (83605); all over more than 18 months cannot then happen
    _err(usage(Granularity="all", StartTime=D(560), EndTime=D(0)), 400, 83605)
    _err(usage(StartTime="2019-01-01T00:00:00Z"), 400, 83605)
    # alignment: Granularity=day at midnight UTC (83601), Granularity=hour on the hour (83602)
    off_midnight = D(3).replace("T00:", "T05:")
    _err(usage(Granularity="day", StartTime=off_midnight, EndTime=D(1)), 400, 83601)
    assert usage(Granularity="hour", StartTime=off_midnight, EndTime=D(1)).status_code == 200
    _err(usage(Granularity="hour", StartTime=D(3).replace(":00:00Z", ":30:00Z"), EndTime=D(1)), 400, 83602)
    # a parameter that fails validation (83600): format, order, future, enums
    _err(usage(StartTime="yesterday"), 400, 83600)
    _err(usage(StartTime=D(19), EndTime=D(20)), 400, 83600)
    _err(usage(StartTime="2999-01-01T00:00:00Z", EndTime="2999-01-02T00:00:00Z"), 400, 83600)
    _err(usage(Granularity="week"), 400, 83600)
    _err(usage(StartTime="9999-12-31T23:59:59-23:59"), 400, 83600)


def test_ip_commands_device_ip_and_device_originated_payloads(sandbox):
    sb = sandbox
    sim = Sim.objects.filter(status="active").order_by("pk").first()
    created = sb.post("/v1/IpCommands", {"Sim": sim.sid, "Payload": "hi", "DevicePort": 6000}).json()
    assert created["status"] == "queued" and created["device_ip"] is None  # not sent yet
    services.run_due_transitions(api.now() + timedelta(seconds=1))
    sent = sb.get(f"/v1/IpCommands/{created['sid']}").json()
    assert sent["status"] in ("sent", "received") and sent["device_ip"].startswith("10.")
    items = sb.get("/v1/IpCommands", params={"PageSize": 1000}).json()["ip_commands"]
    from_device = [c for c in items if c["direction"] == "from_sim"]
    assert from_device and {c["payload_type"] for c in from_device} == {"binary"}
    assert all(c["device_ip"] is None for c in items if c["status"] == "queued")


def test_esim_profiles_by_eid_alone_or_generated_matching_id(sandbox, settings):
    sb = sandbox
    by_eid = sb.post("/v1/ESimProfiles", {"Eid": "8" * 32})
    generated = sb.post("/v1/ESimProfiles", {"GenerateMatchingId": "true"})
    assert by_eid.status_code == generated.status_code == 201
    services.run_due_transitions(api.now() + timedelta(seconds=10))
    by_eid = sb.get(f"/v1/ESimProfiles/{by_eid.json()['sid']}").json()
    generated = sb.get(f"/v1/ESimProfiles/{generated.json()['sid']}").json()
    assert by_eid["status"] == generated["status"] == "available"
    assert by_eid["matching_id"] is None and by_eid["activation_code"] is None
    assert by_eid["eid"] == "8" * 32 and by_eid["smdp_plus_address"]
    assert generated["matching_id"] and generated["activation_code"].endswith("$" + generated["matching_id"])
    # neither an Eid nor GenerateMatchingId=true: refused, nothing created
    before = sb.get("/v1/ESimProfiles", params={"PageSize": 1000}).json()["esim_profiles"]
    _err(sb.post("/v1/ESimProfiles", {}), 400, 20001)
    _err(sb.post("/v1/ESimProfiles", {"GenerateMatchingId": "false"}), 400, 20001)
    assert len(sb.get("/v1/ESimProfiles", params={"PageSize": 1000}).json()["esim_profiles"]) == len(before)


def test_the_inventory_has_both_iccid_prefixes(sandbox):
    prefixes = {iccid[:7] for iccid in InventorySim.objects.values_list("iccid", flat=True)}
    assert prefixes == {"8988307", "8910392"}
    new_hardware = InventorySim.objects.filter(iccid__startswith="8910392", claimed=False).first()
    answer = sandbox.post(
        "/v1/Sims", {"Iccid": new_hardware.iccid, "RegistrationCode": new_hardware.registration_code}
    )
    assert answer.status_code == 201 and answer.json()["iccid"] == new_hardware.iccid


def test_out_of_range_paging_is_a_400_never_a_500(sandbox):
    sb = sandbox
    _err(sb.get("/v1/Networks", params={"Page": "9" * 20}), 400, 20007)
    _err(sb.get("/v1/Sims", params={"Page": "9" * 20, "PageSize": 5}), 400, 20007)
    _err(sb.get("/v1/Sims", params={"PageToken": "PA" + "9" * 30}), 400, 20007)
    _err(sb.get("/v1/UsageRecords", params={"Group": "sim", "PageToken": "PO" + "9" * 20}), 400, 20007)
    assert sb.get("/v1/Networks", params={"Page": "1", "PageSize": 5}).status_code == 200


def test_a_malformed_body_is_a_json_400(sandbox):
    answer = sandbox.http.post(
        sandbox.url("/v1/Fleets"), data=b"--x\r\n", headers={"Content-Type": "multipart/form-data"}
    )
    assert answer.status_code == 400
    assert answer.json()["code"] == 20001 and "cannot be parsed" in answer.json()["message"]


def test_a_nul_character_in_any_parameter_is_a_400(sandbox):
    nap = sandbox.get("/v1/NetworkAccessProfiles").json()["network_access_profiles"][0]
    for answer in (
        sandbox.post("/v1/Fleets", {"NetworkAccessProfile": "nap\x00"}),
        sandbox.post("/v1/Fleets", {"NetworkAccessProfile": nap["sid"], "UniqueName": "a\x00b"}),
        sandbox.get("/v1/Sims", params={"Fleet": "\x00"}),
        sandbox.get("/v1/Sims/x%00y"),
    ):
        assert answer.status_code == 400, answer.text
        assert answer.json()["code"] == 20001 and "NUL" in answer.json()["message"]
