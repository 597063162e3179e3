"""Tier 3 journeys (issue 14): a bulk action on a selection and on the whole filter is confirmed with the
count it will touch (Cancel starts nothing), its job page follows the job live to final statuses and offers
"Retry the failed" without a reload, an empty filter is refused with a message, and the jobs index lists and
links the job."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from apps.core.jobs import job_resume
from apps.core.models import Job
from apps.core.testing import browser_login
from apps.sims.models import Sim
from apps.sims.tests.factories import SimFactory
from apps.sims.tests.test_services import sandbox_sims  # noqa: F401 - fixture
from supersim_admin.celery import app as celery_app

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_bulk_is_confirmed_with_its_count_and_its_job_page_goes_live(
    sandbox_sims,  # noqa: F811
    page,
    live_server,
    operator,
    output_dir,
):
    new = Sim.objects.filter(status="new", removed_at__isnull=True)
    fleetless = new.filter(fleet__isnull=True).count()  # the API refuses to activate a SIM without a fleet
    assert new.count() > fleetless > 0
    browser_login(page, live_server, operator.username)
    page.goto(f"{live_server.url}/sims/?status=new")
    page.select_option("#bulk-action", "status")
    page.select_option("select[name=bulk_status]", "active")

    # a selection: the confirmation names its count; Cancel starts nothing
    page.locator("input.sim-select").nth(0).check()
    page.locator("input.sim-select").nth(1).check()
    page.click("#bulk-selected")
    expect(page.locator("#bulk-question")).to_have_text("Change status of 2 SIMs to Active?")
    page.click("#bulk-confirm-cancel")
    expect(page.locator("#bulk-confirm")).to_have_count(0)
    assert page.url == f"{live_server.url}/sims/?status=new"  # still the list, the selection kept
    assert page.inner_text("#bulk-count") == "2 selected"

    # the whole filter: the confirmation counts every SIM it matches (all pages); dismissed, then accepted
    page.click("#bulk-filter")
    question = f"Every SIM matching the filter (all pages): Change status of {new.count()} SIMs to Active?"
    expect(page.locator("#bulk-question")).to_have_text(question)
    page.click("#bulk-confirm-cancel")
    expect(page.locator("#bulk-confirm")).to_have_count(0)
    assert not Job.objects.exists()
    page.click("#bulk-filter")
    expect(page.locator("#bulk-question")).to_have_text(question)
    page.screenshot(path=str(output_dir / "bulk-confirm.png"), full_page=True)
    celery_app.conf.task_always_eager = False  # the job's chunks wait in the queue: no worker yet
    page.click("#bulk-confirm-yes")
    page.wait_for_url(re.compile(r".*/jobs/\d+/$"))
    job = Job.objects.get()
    assert job.total == new.count()
    items = page.locator("#job-items tbody")
    expect(items.get_by_text("Pending", exact=True)).to_have_count(job.total)
    expect(page.get_by_role("button", name=re.compile("Retry the"))).to_have_count(0)
    page.evaluate("window.sameDocument = true")  # gone if the page reloads

    # a worker runs the job (here the test, on the queued chunks): the open page follows it to the end
    celery_app.conf.task_always_eager = True
    job_resume(job=job)
    job.refresh_from_db()
    assert (job.status, job.failed) == (Job.Status.PARTIAL, fleetless)
    expect(page.locator("[data-job-status]")).to_have_text("Finished with failures", timeout=10_000)
    expect(items.get_by_text("Failed", exact=True)).to_have_count(fleetless)
    expect(items.get_by_text("Succeeded", exact=True)).to_have_count(job.total - fleetless)
    expect(items.get_by_text("Pending", exact=True)).to_have_count(0)
    expect(page.get_by_role("button", name=f"Retry the {fleetless} failed")).to_be_visible()
    assert page.evaluate("window.sameDocument") is True
    expect(page.locator("#job-detail")).not_to_have_attribute("hx-trigger", "every 1s")  # polling ended
    page.screenshot(path=str(output_dir / "bulk-job-final.png"), full_page=True)

    # the jobs index (main navigation) lists the job and links to it
    page.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name="Jobs", exact=True
    ).click()
    page.wait_for_url(f"{live_server.url}/jobs/")
    row = page.locator(f"#job-table tr[data-job='{job.pk}']")
    expect(row).to_contain_text(job.title)
    expect(row).to_contain_text(operator.username)
    expect(row).to_contain_text(f"{job.total} of {job.total} done")
    expect(row).to_contain_text("Finished with failures")
    page.screenshot(path=str(output_dir / "jobs-index.png"), full_page=True)
    row.get_by_role("link", name=job.title).click()
    page.wait_for_url(f"{live_server.url}{job.get_absolute_url()}")
    expect(page.get_by_role("button", name=f"Retry the {fleetless} failed")).to_be_visible()
    assert page.errors == []


def test_a_whole_filter_matching_nothing_is_refused_with_a_message(page, live_server, operator, output_dir):
    SimFactory(unique_name="tracker-1")
    browser_login(page, live_server, operator.username)
    page.goto(f"{live_server.url}/sims/?q=no-such-sim")
    page.select_option("#bulk-action", "status")
    page.select_option("select[name=bulk_status]", "inactive")
    page.click("#bulk-filter")
    alert = page.locator("#bulk-answer [role=alert]")
    expect(alert).to_have_text("Bulk action not started: No SIM matches the filter: nothing was started.")
    expect(page.locator("#bulk-confirm")).to_have_count(0)
    assert page.url == f"{live_server.url}/sims/?q=no-such-sim"
    assert not Job.objects.exists()
    page.screenshot(path=str(output_dir / "bulk-empty-refused.png"), full_page=True)
    # Chromium logs every 4xx answer as a console error; the 422 of the refusal is the expected one, the only
    assert page.errors == [
        "Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)"
    ]
