"""The home page shows the first sync's progress while it runs (a user logging in meanwhile sees partial
data, and is told so), polled by htmx until it finishes."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.core.htmx import HTMX_STOP_POLLING
from apps.sync.lock import make_lock
from apps.sync.models import SyncRun
from apps.sync.services import lock_name, runs_create

pytestmark = pytest.mark.django_db

HOME = reverse("core:home")
POLL = reverse("core:first_sync_progress")


def finish(run: SyncRun, status: str = SyncRun.Status.SUCCEEDED) -> None:
    SyncRun.objects.filter(pk=run.pk).update(status=status, finished_at=timezone.now())


def running(run: SyncRun, items: int):
    """``run`` is being written by a live worker: it holds the run's lock."""
    lock = make_lock(lock_name(run))
    assert lock.acquire()
    SyncRun.objects.filter(pk=run.pk).update(
        status=SyncRun.Status.RUNNING, items=items, lock_token=lock.token, started_at=timezone.now()
    )
    return lock


def test_home_shows_the_first_sync_while_it_runs_then_says_it_finished(viewer_client):
    networks, fleets, sims = runs_create(resources=["networks", "fleets", "sims"], source=SyncRun.Source.CLI)
    finish(networks)
    finish(fleets)
    lock = running(sims, items=1200)
    page = viewer_client.get(HOME).content.decode()
    assert "First sync in progress" in page
    assert "2 of 3 resources done" in page and "SIMs: 1,200 synced so far" in page
    assert f'hx-get="{POLL}"' in page
    poll = viewer_client.get(POLL, HTTP_HX_REQUEST="true")
    assert poll.status_code == 200 and b"SIMs: 1,200 synced so far" in poll.content
    lock.release()
    finish(sims)
    done = viewer_client.get(POLL, HTTP_HX_REQUEST="true")
    assert done.status_code == HTMX_STOP_POLLING and b"First sync finished" in done.content
    assert "First sync" not in viewer_client.get(HOME).content.decode()


def test_a_later_sync_is_not_the_first_one(viewer_client):
    (first,) = runs_create(resources=["sims"])
    finish(first)
    (later,) = runs_create(resources=["sims"])
    running(later, items=10)
    assert "First sync" not in viewer_client.get(HOME).content.decode()


def test_a_first_sync_left_by_a_dead_worker_stops_the_polling(viewer_client):
    (run,) = runs_create(resources=["sims"])
    SyncRun.objects.filter(pk=run.pk).update(status=SyncRun.Status.RUNNING, lock_token="gone")
    assert "First sync in progress" in viewer_client.get(HOME).content.decode()
    poll = viewer_client.get(POLL, HTTP_HX_REQUEST="true")
    assert poll.status_code == HTMX_STOP_POLLING
    assert b"First sync finished" in poll.content and b"SIMs: failed" in poll.content
