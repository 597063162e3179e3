"""Tier 3: while the first sync runs, the home page says so and follows it (htmx polling, no CSP
violation) until it finishes."""

from __future__ import annotations

import pytest
from django.utils import timezone

from apps.core.testing import browser_login
from apps.sync.lock import make_lock
from apps.sync.models import SyncRun
from apps.sync.services import lock_name, runs_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_follows_the_first_sync_until_it_finishes(page, live_server, viewer, output_dir):
    networks, sims = runs_create(resources=["networks", "sims"], source=SyncRun.Source.CLI)
    SyncRun.objects.filter(pk=networks.pk).update(status=SyncRun.Status.SUCCEEDED, finished_at=timezone.now())
    lock = make_lock(lock_name(sims))
    assert lock.acquire()
    SyncRun.objects.filter(pk=sims.pk).update(
        status=SyncRun.Status.RUNNING, items=1200, lock_token=lock.token
    )

    browser_login(page, live_server, "viewer1")
    card = page.locator("#first-sync")
    assert "First sync in progress" in card.inner_text() and "SIMs: 1,200 synced so far" in card.inner_text()
    SyncRun.objects.filter(pk=sims.pk).update(items=1950)
    page.get_by_text("SIMs: 1,950 synced so far").wait_for(timeout=10000)  # the next poll
    page.screenshot(path=str(output_dir / "first-sync.png"))
    lock.release()
    SyncRun.objects.filter(pk=sims.pk).update(status=SyncRun.Status.SUCCEEDED, finished_at=timezone.now())
    page.get_by_text("First sync finished.").wait_for(timeout=10000)
    page.get_by_role("link", name="Reload the dashboard").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#first-sync").count() == 0
    assert page.errors == []
