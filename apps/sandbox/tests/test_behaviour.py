"""State machines with signed callbacks, seed and usage determinism, fault injection, the official SDK."""

import time
from datetime import timedelta
from io import StringIO

import pytest
import requests
from django.core.management import call_command
from twilio.request_validator import RequestValidator

from apps.sandbox import api, guard, services, usage
from apps.sandbox.models import Fleet, InventorySim, Sim
from apps.sandbox.seed import reset, seed

from .conftest import check_response

pytestmark = pytest.mark.django_db(transaction=True)


def _signed(server, i, token):
    hit = server.received[i]
    url = server.url + hit["path"]
    return RequestValidator(token).validate(url, server.params(i), hit["headers"]["X-Twilio-Signature"])


def test_sim_activation_is_scheduled_then_active_with_callback(sandbox, settings, callback_server):
    settings.SANDBOX_SCHEDULE_DELAY_SECONDS = 60
    sim = sandbox.get("/v1/Sims", params={"Status": "ready"}).json()["sims"][0]
    resp = sandbox.post(
        f"/v1/Sims/{sim['sid']}", {"Status": "active", "CallbackUrl": callback_server.url + "/cb"}
    )
    assert resp.status_code == 202 and resp.json()["status"] == "scheduled"
    check_response(resp)
    assert sandbox.get(f"/v1/Sims/{sim['sid']}").json()["status"] == "scheduled"  # not due yet
    assert services.run_due_transitions(api.now() + timedelta(seconds=61)) >= 1
    assert sandbox.get(f"/v1/Sims/{sim['sid']}").json()["status"] == "active"
    assert len(callback_server.received) == 1
    params = callback_server.params(0)
    assert params["SimSid"] == sim["sid"] and params["Status"] == "active"
    assert _signed(callback_server, 0, settings.SANDBOX_AUTH_TOKEN)
    assert callback_server.received[0]["headers"]["kore-signature"]
    # a callback that fails is logged and kept, never raised
    Sim.objects.filter(sid=sim["sid"]).update(callback_url="http://127.0.0.1:9/nowhere")
    assert sandbox.post(f"/v1/Sims/{sim['sid']}", {"Status": "inactive"}).status_code == 200
    services.run_due_transitions()


def test_esim_and_command_lifecycles(sandbox, settings, callback_server):
    settings.SANDBOX_SCHEDULE_DELAY_SECONDS = 10
    t0 = api.now()
    cb = {"CallbackUrl": callback_server.url + "/hook"}
    esim = sandbox.post("/v1/ESimProfiles", {"GenerateMatchingId": "true", **cb}).json()
    assert esim["status"] == "new" and esim["activation_code"] is None
    sim = sandbox.get("/v1/Sims", params={"Status": "active"}).json()["sims"][0]
    sms = sandbox.post("/v1/SmsCommands", {"Sim": sim["sid"], "Payload": "hello", **cb}).json()
    ipc = sandbox.post(
        "/v1/IpCommands", {"Sim": sim["sid"], "Payload": "hi", "DevicePort": 6000, **cb}
    ).json()
    services.run_due_transitions(t0 + timedelta(seconds=11))
    assert sandbox.get(f"/v1/ESimProfiles/{esim['sid']}").json()["status"] == "reserving"
    assert sandbox.get(f"/v1/SmsCommands/{sms['sid']}").json()["status"] == "sent"
    assert sandbox.get(f"/v1/IpCommands/{ipc['sid']}").json()["status"] == "sent"
    services.run_due_transitions(t0 + timedelta(seconds=25))
    esim = sandbox.get(f"/v1/ESimProfiles/{esim['sid']}").json()
    assert esim["status"] == "available"
    assert esim["activation_code"] == f"LPA:1$sm-dp-plus.sandbox.supersim.invalid${esim['matching_id']}"
    assert esim["smdp_plus_address"].startswith("https://") and esim["sim_sid"].startswith("HS")
    assert sandbox.get(f"/v1/SmsCommands/{sms['sid']}").json()["status"] == "delivered"
    assert sandbox.get(f"/v1/IpCommands/{ipc['sid']}").json()["status"] == "received"
    statuses = [(p.get("SmsCommandSid") or p.get("IpCommandSid") or p.get("EsimProfileSid"), p["Status"])
                for p in map(callback_server.params, range(len(callback_server.received)))]  # fmt: skip
    assert sorted(s for sid, s in statuses if sid == sms["sid"]) == ["delivered", "sent"]
    assert sorted(s for sid, s in statuses if sid == ipc["sid"]) == ["received", "sent"]
    assert sorted(s for sid, s in statuses if sid == esim["sid"]) == ["available", "reserving"]
    assert all(_signed(callback_server, i, settings.SANDBOX_AUTH_TOKEN) for i in range(len(statuses)))


def test_seed_is_deterministic_and_covers_every_status(db):
    reset()
    seed(sims=60, fleets=5, seed=9)
    first = list(
        Sim.objects.order_by("id").values_list("sid", "iccid", "status", "fleet__sid", "date_created")
    )
    fleets = list(Fleet.objects.values_list("sid", flat=True))
    codes = list(InventorySim.objects.values_list("iccid", "registration_code"))
    reset()
    seed(sims=60, fleets=5, seed=9)
    assert (
        list(Sim.objects.order_by("id").values_list("sid", "iccid", "status", "fleet__sid", "date_created"))
        == first
    )
    assert list(Fleet.objects.values_list("sid", flat=True)) == fleets
    assert list(InventorySim.objects.values_list("iccid", "registration_code")) == codes
    assert {s for _, _, s, _, _ in first} == {"new", "ready", "active", "inactive"}
    assert sum(1 for row in first if row[3]) > len(first) / 2
    out = StringIO()
    call_command("sandbox_seed", sims=10, fleets=2, seed=1, if_empty=True, stdout=out)
    assert "nothing to do" in out.getvalue() and Sim.objects.count() == 60
    call_command("sandbox_seed", sims=10, fleets=2, seed=1, reset=True, stdout=out)
    assert Sim.objects.count() == 10 and "RegistrationCode=" in out.getvalue()


def test_usage_is_deterministic_and_consistent(sandbox):
    start, end = (api.now() - timedelta(days=3)).replace(hour=0, minute=0, second=0), None
    end = start + timedelta(days=2)
    window = {"StartTime": api.iso(start), "EndTime": api.iso(end), "PageSize": 1000}
    total = sandbox.get("/v1/UsageRecords", params=window).json()["usage_records"]
    assert len(total) == 1 and total[0]["data_total"] > 0
    assert sandbox.get("/v1/UsageRecords", params=window).json() == {
        **sandbox.get("/v1/UsageRecords", params=window).json()
    }
    by_day = sandbox.get("/v1/UsageRecords", params={**window, "Granularity": "day"}).json()["usage_records"]
    assert len(by_day) == 2 and sum(r["data_total"] for r in by_day) == total[0]["data_total"]
    hours = sandbox.get("/v1/UsageRecords", params={**window, "Granularity": "hour"}).json()["usage_records"]
    assert len(hours) == 48 and sum(r["data_upload"] for r in hours) == total[0]["data_upload"]
    for group in ("sim", "fleet", "network", "isoCountry"):
        rows, url = [], sandbox.url("/v1/UsageRecords")
        params = {**window, "Group": group, "Granularity": "day", "PageSize": 7}
        while url:
            body = sandbox.http.get(url, params=params).json()
            params = None
            rows += body["usage_records"]
            url = body["meta"]["next_page_url"]
        assert sum(r["data_total"] for r in rows) == total[0]["data_total"], group
    active = Sim.objects.filter(status="active").count()
    sims = [r for r in rows if False] or None  # noqa: F841
    per_sim = sandbox.get("/v1/UsageRecords", params={**window, "Group": "sim"}).json()["usage_records"]
    assert len(per_sim) == active and all(r["sim_sid"] and r["fleet_sid"] is None for r in per_sim)
    one = Sim.objects.filter(status="active").first()
    expected = one.rate_down * usage.weight(int(start.timestamp()), int(end.timestamp()))
    mine = sandbox.get("/v1/UsageRecords", params={**window, "Sim": one.sid}).json()["usage_records"][0]
    assert mine["data_download"] == expected and mine["sim_sid"] == one.sid


def test_fault_injection(sandbox, settings):
    control = sandbox.url("/_control/faults")
    assert requests.get(control).status_code == 401
    config = sandbox.http.post(control, json={"rate_429": 1.0, "retry_after": 2}).json()
    assert config["rate_429"] == 1.0
    resp = sandbox.get("/v1/Fleets")
    assert resp.status_code == 429 and resp.headers["Retry-After"] == "2" and resp.json()["code"] == 20429
    sandbox.http.post(control, json={"rate_429": 0, "rate_503": 1.0})
    assert sandbox.get("/v1/Fleets").status_code == 503
    sandbox.http.delete(control)
    assert sandbox.get("/v1/Fleets").status_code == 200
    # fail for good: page 1 of /v1/Sims only
    sandbox.http.post(control, json={"fail_page": "/v1/Sims:1"})
    first = sandbox.get("/v1/Sims", params={"PageSize": 10})
    assert first.status_code == 200
    assert sandbox.http.get(first.json()["meta"]["next_page_url"]).status_code == 500
    assert sandbox.get("/v1/Fleets", params={"Page": 1}).status_code == 200

    # seeded faults repeat exactly
    def run():
        sandbox.http.post(control, json={"clear": True, "rate_500": 0.5, "seed": 42})
        return [sandbox.get("/v1/Networks", params={"PageSize": 1}).status_code for _ in range(12)]

    a, b = run(), run()
    assert a == b and set(a) == {200, 500}
    # the delay
    sandbox.http.post(control, json={"clear": True, "delay_ms": 150})
    started = time.monotonic()
    sandbox.get("/v1/Fleets")
    assert time.monotonic() - started >= 0.15
    out = StringIO()
    call_command("sandbox_faults", clear=True, rate_429=0.2, fail_page="/v1/Sims:3", stdout=out)
    assert '"fail_prefix": "/v1/Sims"' in out.getvalue() and guard.faults_get()["fail_page"] == 3
    call_command("sandbox_faults", clear=True, stdout=out)
    assert guard.faults_get()["rate_429"] == 0


def test_official_twilio_sdk_works_against_the_sandbox(sandbox, settings):
    from twilio.rest import Client

    client = Client(settings.SANDBOX_ACCOUNT_SID, settings.SANDBOX_AUTH_TOKEN)
    client.supersim.base_url = sandbox.base
    sims = client.supersim.v1.sims.list(page_size=15)
    assert len(sims) == 40 and sims[0].sid.startswith("HS")  # paged via meta.next_page_url
    nap = client.supersim.v1.network_access_profiles.create(unique_name="sdk-nap")
    network = client.supersim.v1.networks.list(iso_country="FR", limit=1)[0]
    client.supersim.v1.network_access_profiles(nap.sid).networks.create(network=network.sid)
    fleet = client.supersim.v1.fleets.create(
        network_access_profile=nap.sid, unique_name="sdk-fleet", data_limit=10
    )
    assert fleet.data_limit == 10 and fleet.network_access_profile_sid == nap.sid
    target = [s for s in sims if s.status == "new"][0]
    updated = client.supersim.v1.sims(target.sid).update(fleet="sdk-fleet", status="ready")
    assert updated.status == "ready" and updated.fleet_sid == fleet.sid
    assert client.supersim.v1.sims(target.sid).fetch().status == "ready"
    records = client.supersim.v1.usage_records.list(group="fleet", limit=5)
    assert records and records[0].data_total_billed is not None
    cmd = client.supersim.v1.sms_commands.create(sim=target.sid, payload="sdk")
    assert cmd.status == "queued"
    from twilio.base.exceptions import TwilioRestException

    with pytest.raises(TwilioRestException) as err:
        client.supersim.v1.fleets.create(network_access_profile=nap.sid, data_limit=0)
    assert err.value.status == 400 and err.value.code == 20001
