"""Tier 3: an operator finds onboarding from the SIM list, picks an unclaimed SIM on the sandbox page,
registers it through the form in Chromium (htmx swap, no CSP violation), sees a field error first, and
onboards a small CSV file with bad lines (one known, one invalid) up to the job's progress page."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command

from apps.core.testing import browser_login
from apps.fleets.services import fleet_from_api
from apps.sims.models import Sim
from apps.supersim.client import get_client

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def seed_pairs() -> list[tuple[str, str]]:
    out = io.StringIO()
    call_command("sandbox_seed", sims=30, fleets=3, seed=7, stdout=out)
    return re.findall(r"Iccid=(\d+)\s+RegistrationCode=(\w+)", out.getvalue())


def test_operator_registers_a_sim_and_onboards_a_csv(
    page, live_server, sandbox_api, operator, output_dir, tmp_path
):
    pairs = seed_pairs()
    fleet = [fleet_from_api(data=item) for item in get_client().fleets_list()][0]
    browser_login(page, live_server, "operator1")
    # found where an operator looks: the SIM list's header, then the register page's sandbox link
    page.goto(f"{live_server.url}/sims/")
    page.get_by_role("link", name="Register a SIM").click()
    page.get_by_role("link", name="pick an unclaimed SIM to try this with").click()
    page.wait_for_load_state("networkidle")
    row = page.locator("#sandbox-inventory tbody tr").first
    iccid, code = row.locator("td").nth(0).inner_text(), row.locator("td").nth(1).inner_text()
    assert (iccid, code) == pairs[0]  # the first unclaimed pair, as sandbox_seed printed it
    page.screenshot(path=str(output_dir / "sandbox.png"), full_page=True)
    row.get_by_role("link", name="Register this SIM").click()
    page.wait_for_load_state("networkidle")
    assert (page.input_value("input[name=iccid]"), page.input_value("input[name=registration_code]")) == (
        iccid,
        code,
    )
    rest = pairs[1:]

    # a typo in the check digit: said in the page, nothing sent
    page.fill("input[name=iccid]", iccid[:-1] + str((int(iccid[-1]) + 1) % 10))
    page.fill("input[name=registration_code]", code)
    page.get_by_role("button", name="Register SIM").click()
    error = page.locator("[data-field-error=iccid]")
    error.wait_for()
    assert "Luhn check digit" in error.inner_text()

    page.fill("input[name=iccid]", iccid)
    page.fill("input[name=registration_code]", code)
    page.fill("input[name=unique_name]", "browser-sim")
    page.select_option("select[name=fleet]", fleet.sid)
    page.select_option("select[name=status]", "ready")
    page.get_by_role("button", name="Register SIM").click()
    done = page.locator("[data-registered-sid]")
    done.wait_for()
    sim = Sim.objects.get(iccid=iccid)
    assert sim.status == "ready" and sim.unique_name == "browser-sim"
    assert done.get_attribute("data-registered-sid") == sim.sid
    assert page.input_value("input[name=iccid]") == ""  # ready for the next one
    page.screenshot(path=str(output_dir / "register.png"), full_page=True)

    # the same SIM again: the API's answer in words, with a link to it
    page.fill("input[name=iccid]", iccid)
    page.fill("input[name=registration_code]", code)
    page.get_by_role("button", name="Register SIM").click()
    alert = page.locator("[data-api-error='83003']")
    alert.wait_for()
    assert "already on this account" in alert.inner_text()
    assert alert.locator(f"a[href='/sims/{sim.sid}/']").count() == 1

    # a CSV file: upload, preview, start, progress
    csv_path = tmp_path / "batch.csv"
    lines = ["iccid,registration_code,unique_name"] + [
        f"{i},{c},csv-{n}" for n, (i, c) in enumerate(rest[:2])
    ]
    csv_path.write_text("\n".join([*lines, f"{iccid},{code},", "123,ABCDE12345,"]) + "\n")
    page.goto(f"{live_server.url}/sims/")
    page.get_by_role("link", name="Onboard from CSV").click()
    page.wait_for_load_state("networkidle")
    page.set_input_files("input[type=file]", str(csv_path))
    page.get_by_role("button", name="Upload and preview").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-count=new]").inner_text() == "2"
    assert page.locator("[data-count=known]").inner_text() == "1"
    assert page.locator("[data-count=invalid]").inner_text() == "1"
    page.screenshot(path=str(output_dir / "preview.png"), full_page=True)
    page.get_by_role("button", name="Start onboarding").click()
    page.wait_for_url(re.compile(r"/jobs/\d+/$"))
    page.locator("[data-job-status=partial]").wait_for(timeout=15000)
    assert Sim.objects.filter(unique_name__startswith="csv-").count() == 2
    page.screenshot(path=str(output_dir / "job.png"), full_page=True)

    # the fleet of the SIM registered above: its SIMs near the data limit, loaded in place
    page.goto(f"{live_server.url}/fleets/{fleet.sid}/")
    page.get_by_role("button", name="Show SIMs near their data limit").click()
    page.locator("#fleet-near-limit").wait_for()
    # no usage synced in this test: the view says so (with its data limit when the fleet has one)
    assert "No usage recorded for this fleet's SIMs this month." in page.inner_text("#fleet-near-limit")
    assert [e for e in page.errors if "status of 422" not in e] == []
