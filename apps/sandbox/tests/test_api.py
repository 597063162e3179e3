"""The sandbox over real HTTP: a full walk over the 31 operations validated against the spec, and errors."""

import base64
from datetime import UTC, datetime, timedelta

import pytest

from apps.sandbox import services
from apps.sandbox.models import InventorySim, Network

from .conftest import SPEC, as_kore, check_response

pytestmark = pytest.mark.django_db(transaction=True)


def D(days_ago: int) -> str:  # noqa: N802
    """Midnight UTC ``days_ago`` days ago, ISO 8601 (negative: in the future)."""
    day = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=days_ago)
    return day.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.parametrize("provider", ["twilio", "kore"])
def test_full_walk_validates_against_spec(sandbox, settings, provider):
    """Every one of the 31 operations, answered as the provider's own spec file describes."""
    sb, seen = sandbox, set()
    if provider == "kore":
        as_kore(sb, settings)

    def call(method, path, data=None, params=None, expect=200):
        resp = sb.http.request(method, sb.url(path), data=data, params=params)
        assert resp.status_code == expect, (method, path, resp.text)
        body = check_response(resp, provider)
        seen.add((method, resp.request.path_url.split("?")[0]))
        return body

    networks = call("GET", "/v1/Networks", params={"PageSize": 200})["networks"]
    assert len(networks) >= 100 and len({n["iso_country"] for n in networks}) >= 40
    hw = networks[0]["sid"]
    call("GET", f"/v1/Networks/{hw}")
    call("GET", "/v1/Networks", params={"IsoCountry": "DE"})
    call("GET", "/v1/Networks", params={"Mcc": "310", "Mnc": "410"})

    nap = call("POST", "/v1/NetworkAccessProfiles", {"UniqueName": "walk-nap", "Networks": [hw]}, expect=201)
    call("GET", "/v1/NetworkAccessProfiles")
    call("GET", f"/v1/NetworkAccessProfiles/{nap['sid']}")
    call("GET", "/v1/NetworkAccessProfiles/walk-nap")
    call("POST", f"/v1/NetworkAccessProfiles/{nap['sid']}", {"UniqueName": "walk-nap-2"})
    call(
        "POST",
        f"/v1/NetworkAccessProfiles/{nap['sid']}/Networks",
        {"Network": networks[1]["sid"]},
        expect=201,
    )
    links = call("GET", f"/v1/NetworkAccessProfiles/{nap['sid']}/Networks")["networks"]
    assert {n["sid"] for n in links} == {hw, networks[1]["sid"]}
    call("GET", f"/v1/NetworkAccessProfiles/{nap['sid']}/Networks/{hw}")
    call("DELETE", f"/v1/NetworkAccessProfiles/{nap['sid']}/Networks/{hw}", expect=204)

    fleet = call(
        "POST",
        "/v1/Fleets",
        {
            "NetworkAccessProfile": "walk-nap-2",
            "UniqueName": "walk-fleet",
            "DataLimit": 500,
            "SmsCommandsUrl": "https://example.com/sms",
        },
        expect=201,
    )
    assert fleet["data_limit"] == 500 and fleet["network_access_profile_sid"] == nap["sid"]
    call("GET", "/v1/Fleets")
    call("GET", "/v1/Fleets", params={"NetworkAccessProfile": nap["sid"]})
    call("GET", f"/v1/Fleets/{fleet['sid']}")
    call("POST", f"/v1/Fleets/{fleet['sid']}", {"DataLimit": 2_000_000, "IpCommandsMethod": "GET"})

    inv = InventorySim.objects.filter(claimed=False).first()
    sim = call(
        "POST", "/v1/Sims", {"Iccid": inv.iccid, "RegistrationCode": inv.registration_code}, expect=201
    )
    assert sim["status"] == "new" and sim["fleet_sid"] is None
    call("GET", "/v1/Sims")
    call("GET", "/v1/Sims", params={"Status": "active", "Fleet": "walk-fleet", "Iccid": inv.iccid})
    call("POST", f"/v1/Sims/{sim['sid']}", {"Fleet": "walk-fleet", "UniqueName": "walk-sim"})
    sched = call("POST", "/v1/Sims/walk-sim", {"Status": "active"}, expect=202)
    assert sched["status"] == "scheduled"
    active = call("GET", f"/v1/Sims/{sim['sid']}")
    assert active["status"] == "active"  # delay 0: applied on read
    periods = call("GET", f"/v1/Sims/{sim['sid']}/BillingPeriods")["billing_periods"]
    assert periods and periods[0]["period_type"] == "active"
    ips = call("GET", f"/v1/Sims/{sim['sid']}/IpAddresses")["ip_addresses"]
    assert ips[0]["ip_address_version"] == "IPv4"

    esim = call("POST", "/v1/ESimProfiles", {"Eid": "8" * 32, "GenerateMatchingId": "true"}, expect=201)
    call("GET", "/v1/ESimProfiles", params={"Eid": "8" * 32, "Status": "available"})
    esim = call("GET", f"/v1/ESimProfiles/{esim['sid']}")
    assert esim["status"] == "available" and esim["activation_code"].startswith("LPA:1$")
    call("GET", "/v1/ESimProfiles", params={"SimSid": esim["sim_sid"]})

    sms = call("POST", "/v1/SmsCommands", {"Sim": sim["sid"], "Payload": "ping"}, expect=201)
    assert sms["status"] == "queued"
    call("GET", "/v1/SmsCommands", params={"Sim": "walk-sim", "Status": "delivered", "Direction": "to_sim"})
    assert call("GET", f"/v1/SmsCommands/{sms['sid']}")["status"] == "delivered"

    payload = base64.b64encode(b"\x00\x01binary").decode()
    ipc = call(
        "POST",
        "/v1/IpCommands",
        {"Sim": sim["sid"], "Payload": payload, "PayloadType": "binary", "DevicePort": 4242},
        expect=201,
    )
    call("GET", "/v1/IpCommands", params={"Sim": sim["sid"], "SimIccid": inv.iccid, "Status": "received"})
    assert call("GET", f"/v1/IpCommands/{ipc['sid']}")["status"] == "received"

    call("GET", "/v1/SettingsUpdates")
    call("GET", "/v1/SettingsUpdates", params={"Sim": sim["sid"], "Status": "successful"})

    for params in (
        {},
        {"Group": "sim", "Granularity": "day"},
        {"Group": "fleet"},
        {"Group": "network"},
        {"Group": "isoCountry", "Granularity": "hour", "StartTime": D(20), "EndTime": D(19)},
        {"Sim": sim["sid"]},
    ):
        call("GET", "/v1/UsageRecords", params=params)

    operations = {
        (m.upper(), p) for p, v in SPEC["paths"].items() for m in v if m in ("get", "post", "delete")
    }
    assert len(operations) == 31
    assert len({m for m, _ in seen}) == 3 and len(seen) >= 31


def test_auth_modes(sandbox, settings):
    url = sandbox.url("/v1/Fleets")
    resp = sandbox.http.get(url, auth=None, headers={"Authorization": ""})
    import requests

    resp = requests.get(url)
    assert resp.status_code == 401
    assert resp.json() == {
        "code": 20003,
        "message": resp.json()["message"],
        "more_info": "https://www.twilio.com/docs/errors/20003",
        "status": 401,
    }
    assert requests.get(url, auth=(settings.SANDBOX_ACCOUNT_SID, "wrong")).status_code == 401
    assert requests.get(url, auth=(settings.SANDBOX_API_KEY, settings.SANDBOX_API_SECRET)).status_code == 200
    token_url = sandbox.url("/oauth2/token")
    assert (
        requests.post(token_url, data={"grant_type": "client_credentials"}, auth=("x", "y")).status_code
        == 401
    )
    assert requests.post(token_url, data={"grant_type": "password"}).status_code == 400
    token = requests.post(
        token_url,
        data={
            "grant_type": "client_credentials",
            "client_id": settings.SANDBOX_KORE_CLIENT_ID,
            "client_secret": settings.SANDBOX_KORE_CLIENT_SECRET,
        },
    ).json()
    assert token["token_type"] == "Bearer" and token["expires_in"] == 3600
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    assert requests.get(url, headers=bearer).status_code == 200
    assert requests.get(url, headers={"Authorization": "Bearer nope"}).json()["code"] == 20003
    settings.SANDBOX_TOKEN_TTL_SECONDS = 0
    expired = requests.post(
        token_url,
        data={"grant_type": "client_credentials"},
        auth=(settings.SANDBOX_KORE_CLIENT_ID, settings.SANDBOX_KORE_CLIENT_SECRET),
    ).json()
    assert (
        requests.get(url, headers={"Authorization": f"Bearer {expired['access_token']}"}).status_code == 401
    )


def _err(resp, status, code):
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert body["code"] == code and body["status"] == status, body
    assert body["more_info"] == f"https://www.twilio.com/docs/errors/{code}" and body["message"]
    return body["message"]


def test_error_codes(sandbox):
    sb = sandbox
    inv = InventorySim.objects.filter(claimed=False).first()
    _err(sb.post("/v1/Sims", {"Iccid": inv.iccid, "RegistrationCode": "WRONG"}), 400, 83002)
    assert (
        sb.post("/v1/Sims", {"Iccid": inv.iccid, "RegistrationCode": inv.registration_code}).status_code
        == 201
    )
    new_sim = sb.get("/v1/Sims", params={"Iccid": inv.iccid}).json()["sims"][0]
    again = sb.post("/v1/Sims", {"Iccid": inv.iccid, "RegistrationCode": inv.registration_code})
    assert new_sim["sid"] in _err(again, 400, 83003)  # the message names the SIM, as documented
    assert "Iccid" in _err(sb.post("/v1/Sims", {"RegistrationCode": "X"}), 400, 83001)
    assert "RegistrationCode" in _err(sb.post("/v1/Sims", {"Iccid": inv.iccid}), 400, 83001)
    _err(sb.post(f"/v1/Sims/{new_sim['sid']}", {"Status": "active"}), 400, 83007)
    assert "Status" in _err(sb.post(f"/v1/Sims/{new_sim['sid']}", {"Status": "bogus"}), 400, 20001)
    active = sb.get("/v1/Sims", params={"Status": "active", "PageSize": 2}).json()["sims"]
    _err(sb.post(f"/v1/Sims/{active[0]['sid']}", {"Status": "ready"}), 400, 83010)
    sb.post(f"/v1/Sims/{active[0]['sid']}", {"UniqueName": "taken"})
    _err(sb.post(f"/v1/Sims/{active[1]['sid']}", {"UniqueName": "taken"}), 400, 83011)
    _err(sb.get("/v1/Sims/HS" + "0" * 32), 404, 20404)
    _err(sb.get("/v1/Sims/no-such-name"), 404, 20404)
    _err(sb.get("/v1/Networks/XX123"), 404, 20404)
    _err(sb.get("/v1/Sims", params={"PageSize": 1001}), 400, 20007)
    _err(sb.get("/v1/Sims", params={"PageSize": 0}), 400, 20007)
    _err(sb.get("/v1/Sims", params={"Status": "sleeping"}), 400, 20001)
    nap = sb.get("/v1/NetworkAccessProfiles").json()["network_access_profiles"][0]
    assert "DataLimit" in _err(
        sb.post("/v1/Fleets", {"NetworkAccessProfile": nap["sid"], "DataLimit": 0}), 400, 20001
    )
    _err(sb.post("/v1/Fleets", {"NetworkAccessProfile": nap["sid"], "DataLimit": 2_000_001}), 400, 20001)
    _err(sb.post("/v1/Fleets", {"DataLimit": 10}), 400, 20001)
    _err(sb.post("/v1/Fleets", {"NetworkAccessProfile": "HA" + "f" * 32}), 404, 20404)
    _err(sb.post(f"/v1/NetworkAccessProfiles/{nap['sid']}/Networks", {"Network": "HWxyz"}), 400, 20001)
    assert "Payload" in _err(
        sb.post("/v1/SmsCommands", {"Sim": active[0]["sid"], "Payload": "x" * 161}), 400, 20001
    )
    too_big = base64.b64encode(b"x" * 1301).decode()
    _err(
        sb.post(
            "/v1/IpCommands",
            {"Sim": active[0]["sid"], "Payload": too_big, "PayloadType": "binary", "DevicePort": 1},
        ),
        400,
        20001,
    )
    _err(
        sb.post("/v1/IpCommands", {"Sim": active[0]["sid"], "Payload": "x", "DevicePort": 70000}), 400, 20001
    )
    _err(
        sb.post(
            "/v1/IpCommands",
            {"Sim": active[0]["sid"], "Payload": "%%%", "PayloadType": "binary", "DevicePort": 1},
        ),
        400,
        20001,
    )
    _err(sb.get("/v1/UsageRecords", params={"Network": "HWbad"}), 400, 83600)
    _err(sb.http.delete(sb.url("/v1/Sims")), 405, 20004)
    _err(sb.get("/v1/NoSuchThing"), 404, 20404)
    _err(sb.get("/nothing/here"), 404, 20404)


def test_commands_refused_like_the_real_api(sandbox):
    """A command to a SIM that is not ready/active, or an SMS command to a SIM whose fleet has
    ``sms_commands_enabled=false``, is refused with Twilio's error shape and nothing is created."""
    from apps.sandbox.models import Fleet, IpCommand, Sim, SmsCommand

    sb = sandbox
    counts = SmsCommand.objects.count(), IpCommand.objects.count()
    inactive, new, muted = Sim.objects.exclude(fleet=None).filter(status="active").order_by("id")[:3]
    Sim.objects.filter(pk=inactive.pk).update(status="inactive")
    Sim.objects.filter(pk=new.pk).update(status="new")
    for sim in (inactive, new):
        message = _err(sb.post("/v1/SmsCommands", {"Sim": sim.sid, "Payload": "ping"}), 400, 83300)
        assert sim.sid in message and "ready or active" in message
        ip = {"Sim": sim.iccid, "Payload": "hi", "DevicePort": 6000}
        assert sim.sid in _err(sb.post("/v1/IpCommands", ip), 400, 83400)

    Fleet.objects.filter(pk=muted.fleet_id).update(sms_commands_enabled=False)
    message = _err(sb.post("/v1/SmsCommands", {"Sim": muted.sid, "Payload": "ping"}), 400, 83300)
    assert "SMS Commands are disabled" in message and muted.fleet.sid in message
    assert (SmsCommand.objects.count(), IpCommand.objects.count()) == counts  # nothing was created
    # IP commands have no fleet switch: the same SIM takes one
    assert (
        sb.post("/v1/IpCommands", {"Sim": muted.sid, "Payload": "hi", "DevicePort": 6000}).status_code == 201
    )
    assert (SmsCommand.objects.count(), IpCommand.objects.count()) == (counts[0], counts[1] + 1)


def test_paging_is_stable_while_rows_are_added(sandbox):
    sb = sandbox
    expected = sb.get("/v1/Sims", params={"PageSize": 1000}).json()["sims"]
    assert len(expected) == 40
    seen, url, inserted = [], sb.url("/v1/Sims?PageSize=7"), 0
    inventory = list(InventorySim.objects.filter(claimed=False)[:6])
    pages = 0
    while url:
        body = sb.http.get(url).json()
        pages += 1
        seen += [s["sid"] for s in body["sims"]]
        assert body["meta"]["page"] == pages - 1 and body["meta"]["page_size"] == 7
        if inventory:  # a new SIM arrives between every two pages
            inv = inventory.pop()
            assert sb.post("/v1/Sims", {"Iccid": inv.iccid, "RegistrationCode": inv.registration_code}).ok
            inserted += 1
        url = body["meta"]["next_page_url"]
    assert len(seen) == len(set(seen)) == 40 + inserted
    assert seen[:40] == [s["sid"] for s in expected]
    # previous_page_url walks back
    page2 = sb.http.get(sb.get("/v1/Sims", params={"PageSize": 5}).json()["meta"]["next_page_url"]).json()
    back = sb.http.get(page2["meta"]["previous_page_url"]).json()
    assert [s["sid"] for s in back["sims"]] == seen[:5]
    assert back["meta"]["previous_page_url"] is None


def test_network_catalogue_has_real_operators(sandbox):
    assert Network.objects.filter(mcc="310", mnc="410", iso_country="US").exists()
    body = sandbox.get("/v1/Networks", params={"IsoCountry": "GB"}).json()
    assert {n["friendly_name"] for n in body["networks"]} >= {"EE", "Vodafone UK"}
    assert all(n["identifiers"][0]["mcc"] == "234" for n in body["networks"])
    services.run_due_transitions()  # whatever the seed left due is applied now...
    assert services.run_due_transitions() == 0  # ...once: nothing is due a second time
