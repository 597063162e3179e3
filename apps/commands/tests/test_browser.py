"""In a real Chromium: the usage page draws its charts from synced data; the commands page sends an SMS
and its status moves to delivered (htmx polling + a background re-fetch)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from apps.commands.models import SmsCommand
from apps.core.testing import browser_login
from apps.sync import services as sync_services


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_usage_charts_and_send_an_sms(sandbox_api, settings, page, live_server, operator, output_dir):
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

    sim = Sim.objects.filter(status="active").order_by("sid").first()
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
    page.goto(f"{live_server.url}/commands/")
    page.wait_for_selector("#object-list td.mono a")
    page.screenshot(path=str(output_dir / "commands.png"), full_page=True)
    assert page.errors == []
