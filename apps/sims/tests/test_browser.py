"""The operator's main flow in a real Chromium: filter the list, open a SIM, change its status via htmx."""

from __future__ import annotations

import pytest

from apps.core.testing import browser_login, choose_typeahead
from apps.sims.models import Sim
from apps.sims.tests.test_services import sandbox_sims  # noqa: F401 - fixture


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_operator_filters_opens_a_sim_and_activates_it(sandbox_sims, page, live_server, operator, output_dir):  # noqa: F811
    browser_login(page, live_server, operator.username)
    page.goto(f"{live_server.url}/sims/")
    page.wait_for_selector("#sim-table")
    page.select_option("#id_status", "inactive")
    page.wait_for_url("**/sims/?*status=inactive*")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#sim-table tbody [data-status]')]"
        ".every(b => b.dataset.status === 'inactive')"
    )
    rows = page.locator("#sim-table tbody tr[data-sid]")
    assert rows.count() == Sim.objects.filter(status="inactive", removed_at__isnull=True).count() > 0
    # select two SIMs: the bulk bar counts them
    page.locator("input.sim-select").nth(0).check()
    page.locator("input.sim-select").nth(1).check()
    assert page.inner_text("#bulk-count") == "2 selected"
    page.screenshot(path=str(output_dir / "sim-list.png"), full_page=True)

    # the back button restores the unfiltered list
    page.go_back()
    page.wait_for_url(f"{live_server.url}/sims/")
    page.go_forward()
    page.wait_for_url("**/sims/?*status=inactive*")

    sid = page.locator("#sim-table tbody tr[data-sid]").first.get_attribute("data-sid")
    page.locator(f"#sim-table tbody tr[data-sid='{sid}'] td.mono a").first.click()
    page.wait_for_url(f"**/sims/{sid}/")
    assert page.locator("#sim-status [data-status]").get_attribute("data-status") == "inactive"
    options = page.locator("#status-form select option").all_inner_texts()
    assert options == ["Active"]  # inactive -> active only
    page.evaluate("window.__notReloaded = true")
    page.select_option("#status-form select", "active")
    page.click("#status-form button[type=submit]")
    # scheduled first (HTTP 202): shown as pending; then the poll (every 2 s) sees the API's final state
    page.locator("#sim-status [data-status='scheduled']").wait_for()
    assert "pending" in page.inner_text("#sim-status")
    page.wait_for_selector("#sim-status [data-status='active']", timeout=15_000)
    page.wait_for_selector("#sim-panel [data-field='status']:has-text('Active')", timeout=10_000)
    assert Sim.objects.get(sid=sid).status == "active"
    assert "pending" not in page.inner_text("#sim-status")
    assert page.evaluate("window.__notReloaded") is True  # all in place
    page.screenshot(path=str(output_dir / "sim-detail.png"), full_page=True)

    # bulk: deactivate two selected SIMs (checkboxes outside the form, attached with form="bulk-form")
    page.goto(f"{live_server.url}/sims/?status=active")
    chosen = [page.locator("input.sim-select").nth(i).get_attribute("value") for i in (0, 1)]
    for sid_ in chosen:
        page.check(f"input.sim-select[value='{sid_}']")
    page.select_option("#bulk-action", "status")
    page.select_option("select[name=bulk_status]", "inactive")
    page.click("#bulk-selected")
    page.wait_for_selector("#bulk-question:has-text('Change status of 2 SIMs to Inactive?')")
    page.click("#bulk-confirm-yes")
    page.wait_for_url("**/jobs/*/")
    page.wait_for_selector("[data-job-status='succeeded']", timeout=15_000)
    assert set(Sim.objects.filter(sid__in=chosen).values_list("status", flat=True)) == {"inactive"}
    page.screenshot(path=str(output_dir / "sim-bulk-job.png"), full_page=True)
    assert page.errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_sim_list_filter_search_sort_next_and_csv_show_the_expected_counts(
    sandbox_sims,  # noqa: F811
    page,
    live_server,
    viewer,
    output_dir,
):
    import csv
    import io

    live = Sim.objects.filter(removed_at__isnull=True)
    browser_login(page, live_server, viewer.username)
    page.goto(f"{live_server.url}/sims/?per_page=10")
    count = page.locator("#sim-count")
    assert count.inner_text() == f"SIMs 1–10 of {live.count()} SIMs"
    assert page.locator("#sim-table tbody tr[data-sid]").count() == 10

    # filter: the total is the filter's
    active = live.filter(status="active")
    page.select_option("#id_status", "active")
    page.wait_for_url("**/sims/?*status=active*")
    expected_rows = min(10, active.count())
    expect_text = f"SIMs 1–{expected_rows} of {active.count()} SIM{'s' if active.count() != 1 else ''}"
    page.wait_for_function("t => document.querySelector('#sim-count').innerText === t", arg=expect_text)

    # sort by ICCID (a header link, swapped in place), then the next page continues the order
    page.locator("#sim-table thead a", has_text="ICCID").click()
    page.wait_for_url("**/sims/?*sort=iccid*")
    page.wait_for_function("() => document.querySelector('#sim-count').innerText.startsWith('SIMs 1–')")
    iccids = sorted(active.values_list("iccid", flat=True))
    shown = page.locator("#sim-table tbody tr[data-sid] td.mono a").all_inner_texts()
    assert shown == iccids[:10]
    if len(iccids) > 10:
        page.click("#page-next")
        page.wait_for_url("**/sims/?*after=*")
        last = min(20, len(iccids))
        page.wait_for_function(
            "t => document.querySelector('#sim-count').innerText === t",
            arg=f"SIMs 11–{last} of {len(iccids)} SIMs",
        )
        assert page.locator("#sim-table tbody tr[data-sid] td.mono a").all_inner_texts() == iccids[10:20]
        page.click("#page-prev")
        page.wait_for_function(
            "() => document.querySelector('#sim-count').innerText.startsWith('SIMs 1–10 ')"
        )
        assert page.locator("#sim-table tbody tr[data-sid] td.mono a").all_inner_texts() == iccids[:10]

    # CSV: every SIM of the filter (all pages), as the count says
    with page.expect_download() as download:
        page.click("#sim-export")
    with open(download.value.path(), encoding="utf-8") as f:
        rows = list(csv.DictReader(io.StringIO(f.read())))
    assert len(rows) == active.count() and {r["status"] for r in rows} == {"active"}

    # ICCID prefix search (within the filter): the SIMs whose ICCID starts so
    target = active.order_by("iccid").last()
    prefix = target.iccid[:-1]
    found = active.filter(iccid__startswith=prefix)
    n = found.count()
    page.locator("#id_q").press_sequentially(prefix)  # as typed: keyup, then the delayed search
    page.wait_for_url(f"**/sims/?*q={prefix}*")
    page.wait_for_function(
        "t => document.querySelector('#sim-count').innerText === t",
        arg=f"SIMs 1–{n} of {n} SIM{'s' if n != 1 else ''}",
    )
    assert set(
        page.locator("#sim-table tbody tr[data-sid]").evaluate_all("rs => rs.map(r => r.dataset.sid)")
    ) == set(found.values_list("sid", flat=True))
    page.screenshot(path=str(output_dir / "sim-list-search.png"), full_page=True)
    assert page.errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_fleet_move_and_rename_update_the_page_in_place(
    sandbox_sims,  # noqa: F811
    page,
    live_server,
    operator,
    output_dir,
):
    """After a fleet move the usage card states the new fleet's limit; after a rename the heading and the
    browser's title name the SIM by its new name; no reload."""
    from apps.core.units import data_size_mb
    from apps.fleets.models import Fleet

    sim = Sim.objects.filter(fleet__isnull=False, fleet__data_limit__isnull=False).order_by("sid").first()
    target = (
        Fleet.objects.exclude(data_limit=sim.fleet.data_limit)
        .exclude(data_limit=None)
        .order_by("sid")
        .first()
    )
    assert target is not None, "the seed's fleets all have the same limit"
    browser_login(page, live_server, operator.username)
    page.goto(f"{live_server.url}/sims/{sim.sid}/")
    page.evaluate("window.__notReloaded = true")
    usage = page.locator("#sim-usage")
    assert f"of the fleet's {data_size_mb(sim.fleet.data_limit)} limit" in usage.inner_text()

    choose_typeahead(page, page.locator("#fleet-form select").get_attribute("id"), target.unique_name)
    page.click("#fleet-form button[type=submit]")
    usage.get_by_text(f"of the fleet's {data_size_mb(target.data_limit)} limit").wait_for()
    assert f"{data_size_mb(target.data_limit)} per period" in page.inner_text("#sim-panel")
    assert Sim.objects.get(sid=sim.sid).fleet_id == target.sid

    page.fill("#rename-form input[name=unique_name]", "renamed-in-browser")
    page.click("#rename-form button[type=submit]")
    page.locator("#sim-header h1", has_text="SIM renamed-in-browser").wait_for()
    page.wait_for_function("() => document.title === 'SIM renamed-in-browser · Super SIM Admin'")
    assert page.evaluate("window.__notReloaded") is True
    page.screenshot(path=str(output_dir / "sim-moved-renamed.png"), full_page=True)
    assert page.errors == []
