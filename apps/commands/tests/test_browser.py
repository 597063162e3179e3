"""In a real Chromium: the usage page draws its charts from synced data; the commands pages send an SMS and
an IP command (hex) to one SIM and their status moves to final (htmx polling + a background re-fetch), the
binary payload shown as hex; a command to an inactive SIM is warned about before it is sent and the API's
refusal is shown after, and the audit log shows that attempt and its error with no invented before/after."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from apps.commands.models import IpCommand, SmsCommand
from apps.core.testing import browser_login
from apps.sync import services as sync_services


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_usage_charts_then_sms_and_ip_commands_to_one_sim(
    sandbox_api, settings, page, live_server, operator, output_dir
):
    settings.SANDBOX_SCHEDULE_DELAY_SECONDS = 0
    settings.SYNC_USAGE_INITIAL_DAYS = 5
    settings.COMMANDS_REFRESH_AFTER_SECONDS = 0
    call_command("sandbox_seed", sims=30, fleets=3, seed=7, inventory=2, stdout=io.StringIO())
    runs = sync_services.sync_all(
        runs=sync_services.runs_create(
            resources=["networks", "naps", "nap_networks", "fleets", "sims", "usage"]
        )
    )
    assert all(r.status == "succeeded" for r in runs)
    browser_login(page, live_server, operator.username)

    # usage: every chart is drawn, with data
    page.goto(f"{live_server.url}/usage/")
    for name in ("series", "top_sims", "countries", "networks"):
        page.wait_for_selector(f"canvas[data-usage-chart='{name}'][data-points]", timeout=10_000)
    assert int(page.get_attribute("#chart-series", "data-points")) >= 5
    assert int(page.get_attribute("#chart-top_sims", "data-points")) == 10
    assert "total" in page.inner_text("[data-chart-summary='series']")
    page.select_option("#id_scope", "fleet")
    assert page.is_visible("#id_fleet") and not page.is_visible("#id_sim")
    page.screenshot(path=str(output_dir / "usage.png"), full_page=True)

    # commands: send an SMS to one SIM, watch it be delivered
    from apps.sims.models import Sim

    sim = Sim.objects.filter(status="active", fleet__sms_commands_enabled=True).order_by("sid").first()
    page.goto(f"{live_server.url}/commands/")
    page.wait_for_selector("#command-feed ul")
    page.click("#send-sms-link")
    page.fill("#id_sims", sim.sid)
    page.fill("#id_payload", "x" * 12)
    assert page.inner_text("[data-payload-counter]") == "12 / 160 characters"
    page.click("#send-form button[type=submit]")
    page.wait_for_url("**/commands/sms/HC*/")
    page.wait_for_selector("[data-command-status='delivered']", timeout=15_000)
    assert SmsCommand.objects.get().status == "delivered"
    assert "78 78 78" in page.inner_text("[data-payload-hex]")
    page.screenshot(path=str(output_dir / "command.png"), full_page=True)

    # an IP command typed as hex to the same SIM: received, shown as hex (never as replacement characters)
    page.goto(f"{live_server.url}/commands/ip/send/?sim={sim.iccid}")
    page.check("input[name=payload_type][value=hex]")
    page.fill("#id_payload", "DEADBEEF")
    assert page.inner_text("[data-payload-counter]") == "4 / 1300 bytes"
    page.fill("#id_device_port", "7000")
    page.click("#send-form button[type=submit]")
    page.wait_for_url("**/commands/ip/HG*/")
    page.wait_for_selector("[data-command-status='received']", timeout=15_000)
    assert page.inner_text("[data-payload-hex]") == "de ad be ef"
    assert page.locator("[data-payload-text]").count() == 0 and "Binary: not printable" in page.inner_text(
        "main"
    )
    label = f"{sim.unique_name} · {sim.iccid}" if sim.unique_name else sim.iccid
    assert page.inner_text("[data-command-sim]") == label
    assert "\ufffd" not in page.inner_text("body")

    # the lists show each final status, the SIM by name/ICCID and the hex; the live feed shows incoming ones
    IpCommand.objects.create(
        sid="HG" + "d" * 32,
        sim_id=sim.sid,
        sim_iccid=sim.iccid,
        payload="3q2+7w==",
        payload_type="binary",
        direction="from_sim",
        status="received",
        device_port=7000,
        date_created=timezone.now(),
    )  # fmt: skip  (a device-originated command, as its webhook would store it)
    page.goto(f"{live_server.url}/commands/?kind=ip")
    row = page.locator("#object-list tbody tr").filter(has_text="To SIM").first
    expect(row).to_contain_text("Received")
    expect(row).to_contain_text("binary, 4 bytes")
    expect(row).to_contain_text("de ad be ef")
    expect(row).to_contain_text(label)
    feed = page.locator("#command-feed li").first
    expect(feed).to_contain_text("hex de ad be ef")
    expect(feed).to_contain_text(label)
    page.goto(f"{live_server.url}/commands/")
    expect(page.locator("#object-list tbody tr").first).to_contain_text("Delivered")
    page.screenshot(path=str(output_dir / "commands.png"), full_page=True)
    assert "\ufffd" not in page.inner_text("body")
    assert page.errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_command_to_an_inactive_sim_is_warned_refused_and_audited(
    synced, page, live_server, operator, output_dir
):
    from apps.audit.models import AuditEvent
    from apps.audit.services import audit_record
    from apps.sandbox.models import Sim as SandboxSim
    from apps.sims.models import Sim

    sim = Sim.objects.filter(status="active", fleet__sms_commands_enabled=True).order_by("sid").first()
    Sim.objects.filter(pk=sim.pk).update(status="inactive")  # inactive here and at the API
    SandboxSim.objects.filter(sid=sim.sid).update(status="inactive")
    label = f"{sim.unique_name} · {sim.iccid}" if sim.unique_name else sim.iccid
    browser_login(page, live_server, operator.username)

    # before sending: the form says the API will refuse it, and why; nothing is sent yet
    page.goto(f"{live_server.url}/commands/sms/send/")
    page.fill("#id_sims", sim.iccid)
    page.fill("#id_payload", "reboot")
    page.click("#send-form button[type=submit]")
    warning = page.locator("#send-warning")
    expect(warning).to_contain_text("The API will refuse this command for the selected SIM:")
    expect(warning).to_contain_text(f"{label}: status inactive")
    assert page.locator("#send-ready").count() == 0
    assert not SmsCommand.objects.exists()
    page.screenshot(path=str(output_dir / "warning.png"), full_page=True)

    # sent anyway: the API's refusal, for this SIM
    page.click("#send-anyway")
    error = page.locator("#send-form .alert-danger")
    expect(error).to_contain_text(f"The API refused the command for SIM {label}: 83300")
    expect(error).to_contain_text("ready or active")
    assert not SmsCommand.objects.exists()
    page.screenshot(path=str(output_dir / "refused.png"), full_page=True)

    # the audit log: the attempt and the API's error, no before/after
    event = AuditEvent.objects.get(action="sms_command.send", success=False)
    page.goto(f"{live_server.url}/audit/?action=sms_command.send")
    page.locator("#audit-table tbody tr").first.get_by_role("link", name="details").click()
    page.wait_for_url(f"**/audit/{event.pk}/")
    main = page.locator("main")
    expect(main).to_contain_text("Refused or failed: nothing changed")
    headings = page.locator("h2.card-title").all_inner_texts()
    assert headings == ["Attempted", "API error"]
    expect(main).to_contain_text('"payload": "reboot"')
    expect(main).to_contain_text('"code": 83300')
    assert page.locator("#audit-changes").count() == 0  # no "what changed": nothing did
    page.screenshot(path=str(output_dir / "audit-refused.png"), full_page=True)

    # a long answer is there whole, in a box that scrolls
    long = audit_record(
        action="fleet.update", user=operator, before={"a": 1}, after={"a": 2},
        api_response={"message": "m" * 600, **{f"key_{i:03d}": "v" * 30 for i in range(300)}},
    )  # fmt: skip
    page.goto(f"{live_server.url}/audit/{long.pk}/")
    box = page.locator("pre.audit-json").last
    assert '"key_299"' in box.inner_text() and box.inner_text().count('"key_') == 300
    assert box.evaluate(
        "el => el.scrollHeight > el.clientHeight && getComputedStyle(el).overflowY === 'auto'"
    )
    assert box.evaluate("el => el.scrollWidth <= el.clientWidth")  # long lines wrap: nothing cut at the edge
    assert "m" * 600 in box.inner_text().replace("\n", "")
    # Chromium logs every 4xx answer as a console error: the one 422 is the refused send, nothing else
    assert page.errors == [
        "Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)"
    ]
