"""Commands pages: list (both kinds, filters, htmx partial), feed, detail polling, send (one SIM / a job)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.commands.models import IpCommand, SmsCommand
from apps.commands.tests.factories import IpCommandFactory, SmsCommandFactory
from apps.core.models import Job
from apps.core.testing import ListViewTests


def _bulk_sms(n: int, direction: str = "to_sim") -> None:
    now = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    SmsCommand.objects.bulk_create(
        SmsCommand(
            sid=f"HC{i:032x}", sim_id=f"HS{i % 50:032x}", payload=f"p{i}", status="sent",
            direction=direction, date_created=now + dt.timedelta(seconds=i),
        )
        for i in range(n)
    )  # fmt: skip


@pytest.mark.django_db
def test_list_kinds_filters_and_partial(viewer_client):
    SmsCommandFactory(payload="hello sms", direction="from_sim", status="received")
    IpCommandFactory(payload="hello ip")
    page = viewer_client.get(reverse("commands:command_list"))
    assert page.status_code == 200 and b"hello sms" in page.content and b"command-feed" in page.content
    page = viewer_client.get(reverse("commands:command_list"), {"kind": "ip"})
    assert b"hello ip" in page.content and b"hello sms" not in page.content
    partial = viewer_client.get(
        reverse("commands:command_list"),
        {"kind": "sms", "direction": "to_sim"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="object-list",
    )
    assert b"<html" not in partial.content and b"hello sms" not in partial.content
    assert "HX-Request" in partial["Vary"]
    # text and hex both shown
    page = viewer_client.get(reverse("commands:command_list"), {"q": "hello"})
    assert "68 65 6c 6c 6f" in page.content.decode()


@pytest.mark.django_db
def test_binary_payloads_show_as_hex_and_sims_by_name_and_iccid(viewer_client):
    """DEADBEEF is not text: lists, the feed and the detail page show its hex, never replacement characters;
    the SIM is named by its unique name and ICCID, not a cut SID."""
    from apps.sims.tests.factories import SimFactory

    sim = SimFactory(unique_name="pump-7", iccid="89883070000000000017")
    cmd = IpCommandFactory(sim=sim, payload="3q2+7w==", payload_type="binary", direction="from_sim")
    IpCommandFactory(sim=None, sim_iccid="89883070000000000025", payload="plain text")
    page = viewer_client.get(reverse("commands:command_list"), {"kind": "ip"}).content.decode()
    assert "\ufffd" not in page and "binary, 4 bytes" in page and "de ad be ef" in page
    assert "pump-7 · 89883070000000000017" in page and f"{sim.sid[:14]}…" not in page
    assert "89883070000000000025" in page and "plain text" in page
    feed = viewer_client.get(reverse("commands:command_feed")).content.decode()
    assert "hex de ad be ef" in feed and "pump-7 · 89883070000000000017" in feed and "\ufffd" not in feed
    detail = viewer_client.get(cmd.get_absolute_url()).content.decode()
    assert "\ufffd" not in detail and "data-payload-text" not in detail and "Binary: not printable" in detail
    assert "de ad be ef" in detail and "pump-7 · 89883070000000000017" in detail
    text = IpCommandFactory(sim=sim, payload="aGVsbG8=", payload_type="binary")  # "hello" sent as binary
    assert "hello</pre>" in viewer_client.get(text.get_absolute_url()).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [3, 2000])
def test_list_and_feed_query_counts(viewer_client, django_assert_num_queries, rows):
    _bulk_sms(rows)
    _bulk_sms(0, "from_sim")
    viewer_client.get(reverse("commands:command_list"))  # warm the session
    with django_assert_num_queries(6):  # session, user, 2 x permissions, the total (COUNT), one page
        assert viewer_client.get(reverse("commands:command_list")).status_code == 200
    with django_assert_num_queries(6):  # session, user, 2 x permissions, sms, ip
        response = viewer_client.get(reverse("commands:command_feed"))
    assert response.status_code == 200


@pytest.mark.django_db
def test_feed_shows_incoming(viewer_client):
    SmsCommandFactory(payload="from device", direction="from_sim", status="received")
    SmsCommandFactory(payload="to device")
    body = viewer_client.get(reverse("commands:command_feed")).content.decode()
    assert "from device" in body and "to device" not in body


@pytest.mark.django_db
def test_detail_text_hex_and_final_stops_polling(viewer_client):
    cmd = IpCommandFactory(payload="AQL/", payload_type="binary", status="received")
    page = viewer_client.get(reverse("commands:ipcommand_detail", kwargs={"sid": cmd.sid}))
    assert page.status_code == 200 and "01 02 ff" in page.content.decode()
    partial = viewer_client.get(cmd.get_absolute_url(), HTTP_HX_REQUEST="true")
    assert partial.status_code == 286 and "commandUpdated" in partial["HX-Trigger"]
    assert (
        viewer_client.get(reverse("commands:smscommand_detail", kwargs={"sid": "HC" + "9" * 32})).status_code
        == 404
    )


@pytest.mark.django_db
def test_viewer_cannot_send(viewer_client):
    assert viewer_client.get(reverse("commands:sms_send")).status_code == 403
    assert viewer_client.post(reverse("commands:sms_send"), {"sims": "x", "payload": "y"}).status_code == 403
    assert viewer_client.post(reverse("commands:ip_send"), {}).status_code == 403
    assert not SmsCommand.objects.exists()
    assert AuditEvent.objects.filter(action="access.denied").count() == 3


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "data", "error"),
    [
        ("commands:sms_send", {"payload": "x" * 161}, "at most 160 characters"),
        ("commands:ip_send", {"payload": "x" * 1301, "payload_type": "text", "device_port": 1}, "1301 bytes"),
        (
            "commands:ip_send",
            {"payload": "@@", "payload_type": "base64", "device_port": 1},
            "Not valid base64",
        ),
        (
            "commands:ip_send",
            {"payload": "0g", "payload_type": "hex", "device_port": 1},
            "Not valid hexadecimal",
        ),
        (
            "commands:ip_send",
            {"payload": "x", "payload_type": "text", "device_port": 0},
            "greater than or equal to 1",
        ),
        (
            "commands:ip_send",
            {"payload": "x", "payload_type": "text", "device_port": 65536},
            "less than or equal to 65535",
        ),
        ("commands:sms_send", {"payload": "x", "sims": "nope"}, "Unknown SIM"),
    ],
)
def test_send_validation_422(operator_client, url, data, error):
    from apps.sims.tests.factories import SimFactory

    sim = SimFactory()
    data = {"sims": sim.sid} | data
    response = operator_client.post(reverse(url), data, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    assert error in response.content.decode()
    assert not SmsCommand.objects.exists() and not IpCommand.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_send_sms_one_sim_then_status_polls_to_delivered(client, operator, active_sim, settings):
    settings.COMMANDS_REFRESH_AFTER_SECONDS = 0
    client.force_login(operator)
    response = client.post(
        reverse("commands:sms_send"), {"sims": active_sim.iccid, "payload": "reboot"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 204, response.content
    cmd = SmsCommand.objects.get()
    assert response["HX-Redirect"] == cmd.get_absolute_url() and "commandSent" in response["HX-Trigger"]
    assert cmd.status == "queued"
    poll = client.get(cmd.get_absolute_url(), HTTP_HX_REQUEST="true")  # queues a re-fetch (eager here)
    assert poll.status_code == 286 and b'data-command-status="delivered"' in poll.content
    assert AuditEvent.objects.get(action="sms_command.send").user == operator


@pytest.mark.django_db(transaction=True)
def test_send_api_refusal_shown(client, operator, synced):
    from apps.sims.models import Sim

    client.force_login(operator)
    sim = Sim.objects.order_by("sid").first()
    Sim.objects.filter(pk=sim.pk).update(sid="HS" + "e" * 32)  # a SIM the API does not know
    response = client.post(reverse("commands:sms_send"), {"sims": "HS" + "e" * 32, "payload": "x"})
    assert response.status_code == 422
    assert "The API refused the command for SIM" in response.content.decode()
    assert "20404: The requested resource" in response.content.decode()
    assert not SmsCommand.objects.exists()
    assert AuditEvent.objects.filter(action="sms_command.send", success=False).count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.providers
def test_send_ip_to_a_fleet_runs_a_job(client, operator, synced):
    from apps.sims.models import Sim

    client.force_login(operator)
    fleet_sid = Sim.objects.filter(status="active").values_list("fleet_id", flat=True).first()
    expected = Sim.objects.filter(status="active", fleet_id=fleet_sid).count()
    response = client.post(
        reverse("commands:ip_send"),
        {"fleet": fleet_sid, "payload": "cafe", "payload_type": "hex", "device_port": 7000},
    )
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "core:job_detail", kwargs={"pk": job.pk}
    )
    job.refresh_from_db()
    assert job.kind == "commands.ip_send" and job.total == expected and job.status == "succeeded"
    assert IpCommand.objects.filter(payload="yv4=", device_port=7000).count() == expected
    # running an item again (a redelivered chunk) does not send twice
    from apps.commands.jobs import ip_send

    item = job.items.first()
    assert ip_send(job=job, item=item)["resumed"] is True
    assert IpCommand.objects.count() == expected


def _make_inactive(sim) -> None:
    """The SIM is inactive here and in the sandbox (the API's own state)."""
    from apps.sandbox.models import Sim as SandboxSim
    from apps.sims.models import Sim

    Sim.objects.filter(pk=sim.pk).update(status="inactive")
    SandboxSim.objects.filter(sid=sim.sid).update(status="inactive")


def _sms_ready_sims(n: int):
    from apps.sims.models import Sim

    sims = list(Sim.objects.filter(status="active", fleet__sms_commands_enabled=True).order_by("sid")[:n])
    assert len(sims) == n
    return sims


@pytest.mark.django_db(transaction=True)
def test_send_warns_before_sending_to_refused_sims_then_shows_each_refusal(client, operator, synced):
    """A selection with an inactive SIM: the form lists it (name/ICCID and why) and sends nothing until the
    operator confirms for exactly this selection; sent anyway, the job shows the API's refusal per SIM."""
    from apps.commands.selectors import sim_label
    from apps.commands.views import targets_digest

    client.force_login(operator)
    good, bad = _sms_ready_sims(2)
    _make_inactive(bad)
    url = reverse("commands:sms_send")
    data = {"sims": f"{good.iccid}\n{bad.sid}", "payload": "reboot"}
    response = client.post(url, data, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and 'id="send-warning"' in body
    assert "refuse this command for 1 of the 2 selected SIMs" in body
    assert f"{sim_label(unique_name=bad.unique_name, iccid=bad.iccid)}</span>: status inactive" in body
    assert good.iccid not in body.split('id="send-warning"')[1]
    assert not SmsCommand.objects.exists() and not Job.objects.exists()

    # a confirmation given for another selection does not count
    stale = targets_digest("sms", [good.sid])
    response = client.post(url, data | {"confirm": "all", "confirm_for": stale}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'id="send-warning"' in response.content.decode()
    assert not SmsCommand.objects.exists() and not Job.objects.exists()

    digest = targets_digest("sms", [good.sid, bad.sid])
    response = client.post(url, data | {"confirm": "all", "confirm_for": digest})
    job = Job.objects.get()
    assert response.status_code == 302 and job.status == "partial"
    failed = job.items.get(status="failed")
    assert failed.key == bad.sid
    assert failed.error.startswith(
        f"Refused for SIM {sim_label(unique_name=bad.unique_name, iccid=bad.iccid)}: "
    )
    assert "83300: Unable to send the SMS Command" in failed.error and "ready or active" in failed.error
    assert list(SmsCommand.objects.values_list("sim_id", flat=True)) == [good.sid]
    page = client.get(reverse("core:job_detail", kwargs={"pk": job.pk})).content.decode()
    assert failed.error in page.replace("&#x27;", "'")

    # "only the ready ones" skips the refused SIM: one SIM left, sent at once
    response = client.post(url, data | {"confirm": "ready", "confirm_for": digest})
    assert response.status_code == 302 and SmsCommand.objects.filter(sim_id=good.sid).count() == 2
    assert Job.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_fleet_wide_sms_to_a_fleet_with_sms_disabled_warns_and_single_refusal_is_shown(
    client, operator, synced
):
    from apps.fleets.models import Fleet
    from apps.sandbox.models import Fleet as SandboxFleet
    from apps.sims.models import Sim

    client.force_login(operator)
    fleet = Fleet.objects.filter(sims__status="active").distinct().order_by("sid").first()
    Fleet.objects.filter(pk=fleet.pk).update(sms_commands_enabled=False)
    SandboxFleet.objects.filter(sid=fleet.sid).update(sms_commands_enabled=False)
    active = Sim.objects.filter(fleet=fleet, status="active").count()
    # the fleet choice says so before anything is sent (the IP form has no such switch): the SMS form's
    # type-ahead asks for the SMS switch, the IP form's does not
    option = f"{fleet.unique_name or fleet.sid} (SMS commands disabled)"
    choices = reverse("fleets:fleet_choices")
    sms_page = client.get(reverse("commands:sms_send")).content.decode()
    assert f'data-typeahead-url="{choices}?sms=1"' in sms_page
    assert f'data-typeahead-url="{choices}"' in client.get(reverse("commands:ip_send")).content.decode()
    texts = [r["text"] for r in client.get(choices, {"sms": "1", "q": fleet.unique_name}).json()["results"]]
    assert option in texts
    assert option not in [r["text"] for r in client.get(choices, {"q": fleet.unique_name}).json()["results"]]
    response = client.post(reverse("commands:sms_send"), {"fleet": fleet.sid, "payload": "hello"})
    body = response.content.decode()
    assert response.status_code == 200
    assert f"refuse this command for {active} of the {active} selected SIMs" in body
    assert f"fleet {fleet.unique_name or fleet.sid} has SMS commands disabled" in body
    assert 'id="send-ready"' not in body and 'id="send-anyway"' in body
    assert not Job.objects.exists()
    # IP commands have no such switch: no warning, sent as a job
    response = client.post(
        reverse("commands:ip_send"),
        {"fleet": fleet.sid, "payload": "hi", "payload_type": "text", "device_port": 6000},
    )
    assert response.status_code == 302 and Job.objects.get().total == active

    # one SIM, sent anyway: the API's refusal is shown on the form, with the SIM's name/ICCID
    from apps.commands.views import targets_digest

    sim = Sim.objects.filter(fleet=fleet, status="active").order_by("sid").first()
    data = {
        "sims": sim.sid,
        "payload": "hello",
        "confirm": "all",
        "confirm_for": targets_digest("sms", [sim.sid]),
    }
    response = client.post(reverse("commands:sms_send"), data)
    body = response.content.decode()
    assert response.status_code == 422 and not SmsCommand.objects.exists()
    assert (
        f"The API refused the command for SIM {sim.unique_name + ' · ' if sim.unique_name else ''}{sim.iccid}"
        in body
    )
    assert "SMS Commands are disabled for the Fleet" in body


class TestSmsCommandList(ListViewTests):
    url_name = "commands:command_list"
    filter_query = "q=kept"

    def make_rows(self):
        SmsCommandFactory(payload="kept-sms")
        SmsCommandFactory(payload="dropped-sms")
        return "kept-sms", "dropped-sms"


class TestIpCommandList(ListViewTests):
    url_name = "commands:command_list"
    url_query = "kind=ip"
    filter_query = "q=kept"

    def make_rows(self):
        IpCommandFactory(payload="kept-ip")
        IpCommandFactory(payload="dropped-ip")
        return "kept-ip", "dropped-ip"
