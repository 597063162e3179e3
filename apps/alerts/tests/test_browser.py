"""Tier 3, one journey in a real Chromium: an admin creates a usage rule, a usage sync from the sandbox
opens its alerts (the bell counts them), the admin acknowledges one, and they resolve once the condition
no longer holds. No CSP violation or script error on the way."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from apps.core.testing import assert_accessible, browser_login
from apps.fleets.models import Fleet
from apps.sync import services as sync_services
from apps.usage.models import UsageRecord

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_rule_alert_acknowledge_resolve(page, live_server, sandbox_api, admin_member, settings, output_dir):
    settings.ALERT_TRIGGER_DEBOUNCE_SECONDS = 0
    settings.SUPERSIM_RETRY_BACKOFF = 0.01
    settings.SYNC_USAGE_INITIAL_DAYS = 2
    settings.SYNC_USAGE_HOURLY_DAYS = 1
    cache.clear()
    call_command("sandbox_seed", sims=5, fleets=1, seed=11, inventory=0, stdout=io.StringIO())
    runs = sync_services.sync_all(
        runs=sync_services.runs_create(resources=["networks", "naps", "fleets", "sims"])
    )
    assert all(r.status == "succeeded" for r in runs)
    fleet = Fleet.objects.get()

    browser_login(page, live_server, admin_member.username)
    page.goto(f"{live_server.url}/alerts/rules/new/")
    page.fill("input[name=name]", "Fleet data warning")
    page.select_option("select[name=condition]", "usage_percent")
    page.select_option("select[name=scope]", "fleet")
    page.select_option("select[name=fleet]", fleet.sid)
    page.fill("input[name=threshold]", "0.01")
    page.get_by_role("button", name="Create rule").click()
    expect(page.locator("#rule-table")).to_contain_text("Fleet data warning")

    # the usage sync (as beat or "Sync now" would run it) evaluates the rule when it finishes
    assert (
        sync_services.sync_all(runs=sync_services.runs_create(resources=["usage"]))[0].status == "succeeded"
    )
    month = timezone.now().astimezone(dt.UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    expected = (
        UsageRecord.objects.filter(group="sim", granularity="day", period_start__gte=month, data_total__gt=0)
        .values("group_key")
        .distinct()
        .count()
    )
    assert expected > 0

    page.goto(f"{live_server.url}/alerts/")
    rows = page.locator("#alert-table tbody tr[data-alert]")
    expect(rows).to_have_count(expected)
    expect(page.locator("[data-alert-count]")).to_have_text(str(expected))
    expect(rows.first).to_contain_text("of the fleet's data limit used this period")
    assert_accessible(page, "alerts page")
    page.screenshot(path=str(output_dir / "alerts-open.png"), full_page=True)

    first = rows.first
    alert_id = first.get_attribute("data-alert")
    first.get_by_role("button", name="Acknowledge").click()
    acknowledged = page.locator(f"#alert-table tr[data-alert='{alert_id}']")
    expect(acknowledged).to_have_attribute("data-state", "acknowledged")
    expect(acknowledged).to_contain_text(admin_member.username)
    if expected > 1:  # the bell counts what still needs someone
        expect(page.locator("[data-alert-count]")).to_have_text(str(expected - 1))

    # the condition no longer holds (the rule now asks for the whole limit): evaluated, every alert resolves
    page.goto(f"{live_server.url}/alerts/rules/")
    page.get_by_role("link", name="Fleet data warning").click()
    page.fill("input[name=threshold]", "100")
    page.get_by_role("button", name="Save rule").click()
    page.get_by_role("link", name="Fleet data warning").click()
    page.get_by_role("button", name="Evaluate now").click()
    expect(page.locator("#toasts")).to_contain_text(f"0 opened, {expected} resolved")
    page.goto(f"{live_server.url}/alerts/?state=resolved")
    expect(page.locator("#alert-table tbody tr[data-state='resolved']")).to_have_count(expected)
    expect(page.locator("[data-alert-bell]")).to_have_attribute("data-count", "0")
    page.screenshot(path=str(output_dir / "alerts-resolved.png"), full_page=True)
    assert page.errors == []
