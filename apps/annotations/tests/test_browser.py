"""In a real Chromium: tag a SIM and write a note in place on its page, then find it by the tag on the list
and bulk tag the whole filter as a job followed live."""

from __future__ import annotations

import pytest

from apps.annotations.models import Note, Tag, TagAssignment
from apps.core.testing import browser_login
from apps.sims.tests.factories import SimFactory


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_tag_in_place_then_filter_and_bulk_tag_the_filter(page, live_server, operator, output_dir):
    sims = SimFactory.create_batch(3, status="active")
    target = sims[0]
    browser_login(page, live_server, operator.username)
    page.goto(f"{live_server.url}/sims/{target.sid}/")
    page.evaluate("window.__notReloaded = true")
    page.fill("#tag-add-name", "Customer ACME")
    page.click("#tag-add-submit")
    page.locator("#object-tags [data-tag='Customer ACME']").wait_for()
    page.select_option("#note-kind", "incident")
    page.fill("#note-text", "Antenna broken on site")
    page.click("#note-add-form button[type=submit]")
    page.locator("#object-notes [data-note-kind='incident']:has-text('Antenna broken on site')").wait_for()
    assert page.evaluate("window.__notReloaded") is True  # all in place
    assert TagAssignment.objects.filter(sid=target.sid, tag__name="Customer ACME").exists()
    assert Note.objects.get(sid=target.sid).author_name == operator.username
    page.screenshot(path=str(output_dir / "sim-annotations.png"), full_page=True)

    acme = Tag.objects.get(name="Customer ACME")
    Tag.objects.create(name="audited")
    page.goto(f"{live_server.url}/sims/")
    page.select_option("#id_tag", str(acme.pk))
    page.wait_for_url(f"**/sims/?*tag={acme.pk}*")
    rows = page.locator("#sim-table tbody tr[data-sid]")
    rows.first.wait_for()
    assert rows.count() == 1 and rows.first.get_attribute("data-sid") == target.sid
    assert page.locator("#sim-table tbody td.sim-tags [data-tag='Customer ACME']").count() == 1
    page.select_option("#bulk-action", "tag")
    page.select_option("select[name=bulk_tag]", label="audited")
    page.click("#bulk-filter")
    page.wait_for_selector("#bulk-question:has-text('Add tag audited to 1 SIM?')")
    page.click("#bulk-confirm-yes")
    page.wait_for_url("**/jobs/*/")
    page.wait_for_selector("[data-job-status='succeeded']", timeout=15_000)
    assert list(TagAssignment.objects.filter(tag__name="audited").values_list("sid", flat=True)) == [
        target.sid
    ]
    page.screenshot(path=str(output_dir / "bulk-tag-job.png"), full_page=True)
    assert page.errors == []
