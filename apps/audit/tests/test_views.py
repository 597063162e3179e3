"""Audit log page: filters, links to objects, detail with pretty JSON and the request id; fixed queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.audit.services import audit_record
from apps.core.testing import ListViewTests
from apps.fleets.tests.factories import FleetFactory

pytestmark = pytest.mark.django_db
LIST = reverse("audit:auditevent_list")


def rows(client, **params) -> list[AuditEvent]:
    response = client.get(LIST, params, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="object-list")
    assert response.status_code == 200 and b"<html" not in response.content
    return [r.record for r in response.context["table"].rows]


@pytest.fixture
def events(viewer, operator):
    fleet = FleetFactory(unique_name="audited-fleet")
    a = audit_record(
        action="fleet.update",
        user=operator,
        obj=fleet,
        before={"data_limit": 1000, "unique_name": "audited-fleet"},
        after={"data_limit": 2000, "unique_name": "audited-fleet"},
        api_response={"sid": fleet.sid, "data_limit": 2000},
    )
    b = audit_record(action="nap.rename", user=viewer, object_type="networkaccessprofile", object_id="HA1")
    c = audit_record(
        action="fleet.create", user=operator, object_repr="other", success=False, message="83011"
    )
    AuditEvent.objects.filter(pk=c.pk).update(timestamp=timezone.now() - dt.timedelta(days=10))
    return a, b, c, fleet


def test_filters(viewer_client, events, operator):
    a, b, c, fleet = events
    assert {e.pk for e in rows(viewer_client, username=operator.username)} == {a.pk, c.pk}
    assert {e.pk for e in rows(viewer_client, action="fleet.")} == {a.pk, c.pk}
    assert {e.pk for e in rows(viewer_client, object=fleet.sid)} == {a.pk}
    assert {e.pk for e in rows(viewer_client, object="audited")} == {a.pk}
    since = (timezone.now() - dt.timedelta(days=1)).date().isoformat()
    assert c.pk not in {e.pk for e in rows(viewer_client, since=since, action="fleet.")}
    assert {e.pk for e in rows(viewer_client, success="false", action="fleet.")} == {c.pk}
    assert rows(viewer_client, request_id="nope") == []


def test_list_links_entries_to_objects_and_details(viewer_client, events):
    a, *_, fleet = events
    content = viewer_client.get(LIST).content.decode()
    assert f'href="{fleet.get_absolute_url()}"' in content
    assert f'href="{reverse("audit:auditevent_detail", kwargs={"pk": a.pk})}"' in content


@pytest.mark.parametrize("n", [5, 2000])
def test_list_query_count_is_fixed(viewer_client, django_assert_num_queries, n):
    AuditEvent.objects.bulk_create(
        AuditEvent(action="sync.run", username="bot", object_type="syncrun", object_id=str(i))
        for i in range(n)
    )
    viewer_client.get(LIST)
    with django_assert_num_queries(6):  # session, user, permissions x2, the total, one page of events
        response = viewer_client.get(LIST)
    assert min(n, 50) <= len(response.context["table"].page.object_list) <= 50


@pytest.mark.parametrize("url", [LIST, "/"])  # the audit list, the home page
def test_lists_leave_the_json_documents_unread(viewer_client, events, url):
    """The audit list and the home page's recent changes show no before/after/API answer: not read at all."""
    with CaptureQueriesContext(connection) as queries:
        response = viewer_client.get(url)
    assert response.status_code == 200 and "audited-fleet" in response.content.decode()
    audit_reads = [q["sql"] for q in queries if 'FROM "audit_auditevent"' in q["sql"]]
    assert audit_reads
    for sql in audit_reads:
        for column in ("before", "after", "api_response", "requested"):
            assert f'"audit_auditevent"."{column}"' not in sql


def test_detail_shows_pretty_json_changes_and_request_id(viewer_client, events, django_assert_num_queries):
    a, *_ = events
    AuditEvent.objects.filter(pk=a.pk).update(request_id="req-1234567890")
    url = reverse("audit:auditevent_detail", kwargs={"pk": a.pk})
    viewer_client.get(url)
    with django_assert_num_queries(5):
        response = viewer_client.get(url)
    content = response.content.decode()
    assert response.status_code == 200
    assert "req-1234567890" in content and "?request_id=req-1234567890" in content
    assert "&quot;data_limit&quot;: 2000" in content  # indented JSON, escaped
    assert 'id="audit-changes"' in content and ">data_limit<" in content
    assert ">unique_name<" not in content  # unchanged keys are not in the summary
    assert "API response" in content and 'id="audit-object-link"' in content


def test_detail_404(viewer_client):
    assert viewer_client.get(reverse("audit:auditevent_detail", kwargs={"pk": 999999})).status_code == 404


def test_a_failed_action_cannot_be_given_a_before_or_after(operator):
    with pytest.raises(ValueError, match="requested="):
        audit_record(action="sim.rename", user=operator, success=False, before={"a": 1}, after={"a": 2})
    with pytest.raises(ValueError):
        audit_record(action="sim.rename", user=operator, success=False, after={"unique_name": "x"})
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_refused_rename_records_the_attempt_and_the_error_with_no_invented_change(operator_client, synced):
    """A rename the API refuses (83011, the name is taken) changed nothing: the entry keeps what was asked and
    the API's error; it shows no before/after (no "fleet_sid -> null", no "status -> null")."""
    from apps.sims.models import Sim

    first, second = Sim.objects.order_by("sid")[:2]
    rename = reverse("sims:sim_rename", kwargs={"sid": first.sid})
    assert (
        operator_client.post(rename, {"unique_name": "taken-name"}, HTTP_HX_REQUEST="true").status_code == 200
    )
    rename = reverse("sims:sim_rename", kwargs={"sid": second.sid})
    response = operator_client.post(rename, {"unique_name": "taken-name"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    event = AuditEvent.objects.get(action="sim.rename", success=False)
    assert (event.before, event.after) == (None, None)
    assert event.requested == {"unique_name": "taken-name"}
    assert event.api_response["code"] == 83011 and event.api_response["status"] == 400
    assert event.object_id == second.sid

    content = operator_client.get(
        reverse("audit:auditevent_detail", kwargs={"pk": event.pk})
    ).content.decode()
    assert "Attempted" in content and "API error" in content and "&quot;code&quot;: 83011" in content
    assert "&quot;unique_name&quot;: &quot;taken-name&quot;" in content
    assert 'id="audit-changes"' not in content and "fleet_sid" not in content
    assert ">Before<" not in content and ">After<" not in content


def test_old_failed_entries_are_migrated_to_the_attempt(operator):
    """Entries written before the fix: their ``after`` was the request, their before/after a fiction."""
    import importlib

    from django.apps import apps as django_apps

    migration = importlib.import_module("apps.audit.migrations.0002_requested")
    old = AuditEvent.objects.create(
        action="sim.rename", success=False, before={"status": "active"}, after={"unique_name": "x"}
    )
    ok = AuditEvent.objects.create(
        action="sim.rename", before={"unique_name": "a"}, after={"unique_name": "b"}
    )
    migration.failed_entries_keep_the_attempt(django_apps, None)
    old.refresh_from_db()
    ok.refresh_from_db()
    assert (old.before, old.after, old.requested) == (None, None, {"unique_name": "x"})
    assert (ok.before, ok.after, ok.requested) == ({"unique_name": "a"}, {"unique_name": "b"}, None)


def test_long_json_is_shown_whole(viewer_client, operator):
    """A big API answer is on the page to its last key (the page scrolls it; nothing is cut)."""
    answer = {f"key_{i:04d}": "v" * 40 for i in range(600)}
    event = audit_record(
        action="fleet.update", user=operator, before={"a": 1}, after={"a": 2}, api_response=answer
    )
    content = viewer_client.get(reverse("audit:auditevent_detail", kwargs={"pk": event.pk})).content.decode()
    assert content.count("&quot;key_") == 600 and "&quot;key_0599&quot;" in content


class TestAuditEventList(ListViewTests):
    url_name = "audit:auditevent_list"
    filter_query = "action=kept."

    def make_rows(self):
        AuditEvent.objects.create(action="kept.action", username="u", message="kept-event")
        AuditEvent.objects.create(action="dropped.action", username="u", message="dropped-event")
        return "kept-event", "dropped-event"
