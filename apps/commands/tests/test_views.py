"""Commands pages: list (both kinds, filters, htmx partial), feed, detail polling, send (one SIM / a job)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.commands.models import IpCommand, SmsCommand
from apps.commands.tests.factories import IpCommandFactory, SmsCommandFactory
from apps.core.models import Job


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
@pytest.mark.parametrize("rows", [3, 2000])
def test_list_and_feed_query_counts(viewer_client, django_assert_num_queries, rows):
    _bulk_sms(rows)
    _bulk_sms(0, "from_sim")
    viewer_client.get(reverse("commands:command_list"))  # warm the session
    with django_assert_num_queries(5):  # session, user, 2 x permissions, one page (no COUNT)
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
    assert "Error 20404" in response.content.decode()
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
