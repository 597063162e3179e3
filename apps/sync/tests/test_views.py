"""The Sync page: list, htmx polling (286 when nothing runs), detail, Sync now (operators only, audited)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.core.testing import ListViewTests
from apps.sims.models import Sim
from apps.sync.models import SyncRun
from apps.sync.views import DETAIL_ID, POLLER_ID

S = SyncRun.Status
POLL = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "object-list", "HTTP_HX_TRIGGER": POLLER_ID}


@pytest.mark.django_db
def test_list_polls_while_a_run_is_active(viewer_client):
    done = SyncRun.objects.create(resource="sims", status=S.SUCCEEDED, items=30, created=30)
    url = reverse("sync:syncrun_list")
    response = viewer_client.get(url)
    assert response.status_code == 200
    assert f'href="{done.get_absolute_url()}"' in response.content.decode()
    assert POLLER_ID not in response.content.decode()
    assert "Sync now" not in response.content.decode()  # viewers cannot start a sync

    # nothing running: the poll is answered with the table and 286 (htmx stops polling)
    response = viewer_client.get(url, **POLL)
    assert response.status_code == 286
    assert 'id="object-list"' in response.content.decode()
    assert "<html" not in response.content.decode()

    SyncRun.objects.create(resource="fleets", status=S.QUEUED)
    response = viewer_client.get(url, **POLL)
    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="{POLLER_ID}"' in body and 'hx-trigger="every 2s"' in body

    response = viewer_client.get(url, {"status": "queued"})
    assert response.status_code == 200
    assert "fleets" in response.content.decode()


@pytest.mark.django_db
def test_detail_polls_until_final(viewer_client):
    run = SyncRun.objects.create(resource="sims", status=S.RUNNING, lock_token="gone")
    response = viewer_client.get(run.get_absolute_url())
    # the worker is gone (no lock): the page marks the run failed instead of spinning forever
    assert response.status_code == 200
    run.refresh_from_db()
    assert run.status == S.FAILED
    assert "lock expired" in response.content.decode()

    queued = SyncRun.objects.create(resource="sims", status=S.QUEUED)
    htmx = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TRIGGER": DETAIL_ID, "HTTP_HX_TARGET": DETAIL_ID}
    response = viewer_client.get(queued.get_absolute_url(), **htmx)
    assert response.status_code == 200 and 'hx-trigger="every 2s"' in response.content.decode()
    SyncRun.objects.filter(pk=queued.pk).update(status=S.SUCCEEDED)
    response = viewer_client.get(queued.get_absolute_url(), **htmx)
    assert response.status_code == 286 and "every 2s" not in response.content.decode()


@pytest.mark.django_db
def test_viewer_cannot_sync_now(viewer_client):
    response = viewer_client.post(reverse("sync:sync_now"), {"resource": "sims"})
    assert response.status_code == 403
    assert not SyncRun.objects.exists()
    assert AuditEvent.objects.filter(action="access.denied").exists()


@pytest.mark.django_db(transaction=True)
def test_operator_sync_now_runs_and_is_audited(operator_client, sandbox, operator):
    page = operator_client.get(reverse("sync:syncrun_list"))
    assert "Sync now" in page.content.decode()
    response = operator_client.post(reverse("sync:sync_now"), {"resource": "sims"})
    run = SyncRun.objects.get()
    assert response.status_code == 302 and response["Location"] == run.get_absolute_url()
    # tasks are eager in tier 1: the sync ran on commit
    assert run.status == S.SUCCEEDED and run.source == SyncRun.Source.UI and run.triggered_by == operator
    assert Sim.objects.count() == 30
    event = AuditEvent.objects.get(action="sync.start")
    assert event.user == operator and event.after["resources"] == ["sims"]

    response = operator_client.post(reverse("sync:sync_now"), {"resource": "bogus"})
    assert response.status_code == 302 and SyncRun.objects.count() == 1


@pytest.mark.django_db
def test_run_link_opens_its_own_page_with_a_back_link_keeping_the_filters(viewer_client):
    """The run link of a filtered list (also in the htmx partial) opens the run's page, not boosted into the
    list (that nested a whole page, a second navbar, inside #object-list), and its back link returns to
    the same filter, sort and page."""
    run = SyncRun.objects.create(resource="sims", status=S.SUCCEEDED)
    list_url = reverse("sync:syncrun_list")
    query = {"status": "succeeded", "resource": "sims", "sort": "-created_at"}
    partial = viewer_client.get(list_url, query, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="object-list")
    body = partial.content.decode()
    link = f'href="{run.get_absolute_url()}?back=status%3Dsucceeded%26resource%3Dsims%26sort%3D-created_at"'
    assert link in body
    assert 'hx-boost="true" hx-target="#object-list"' not in body  # the rows are not boosted into the list
    page = viewer_client.get(
        run.get_absolute_url(), {"back": "status=succeeded&resource=sims&sort=-created_at"}
    )
    html = page.content.decode()
    assert 'href="/sync/?status=succeeded&amp;resource=sims&amp;sort=-created_at" id="back-to-runs"' in html
    assert html.count('aria-label="Main navigation"') == 1
    # the back link is only ever the list's own path with a query string
    hostile = viewer_client.get(run.get_absolute_url(), {"back": "//evil.example/x"}).content.decode()
    assert 'href="/sync/?%2F%2Fevil.example%2Fx=" id="back-to-runs"' in hostile
    plain = viewer_client.get(run.get_absolute_url()).content.decode()
    assert 'href="/sync/" id="back-to-runs"' in plain


@pytest.mark.django_db
def test_the_sync_now_select_and_the_filter_have_their_own_ids(operator_client):
    """Both forms had a select ``#id_resource``: the filter's label named the Sync now select."""
    html = operator_client.get(reverse("sync:syncrun_list")).content.decode()
    assert html.count('id="id_resource"') == 1 and html.count('for="id_resource"') == 1
    assert 'id="id_sync_resource"' in html and 'for="id_sync_resource"' in html


class TestSyncRunList(ListViewTests):
    url_name = "sync:syncrun_list"
    filter_query = "status=failed"

    def make_rows(self):
        SyncRun.objects.create(resource="sims", status=SyncRun.Status.FAILED, error="kept-run")
        SyncRun.objects.create(resource="fleets", status=SyncRun.Status.SUCCEEDED, error="dropped-run")
        return "kept-run", "dropped-run"
