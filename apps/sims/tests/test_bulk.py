"""Bulk actions on SIMs: a background job over the sandbox, per-SIM results, retry of the failed ones."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.core.jobs import job_retry_failed
from apps.core.models import Job, JobItem
from apps.fleets.models import Fleet
from apps.sims import services
from apps.sims.models import Sim
from apps.sims.tests.test_services import sandbox_sims  # noqa: F401 - fixture

BULK = reverse("sims:sim_bulk")


@pytest.mark.django_db(transaction=True)
@pytest.mark.providers
def test_bulk_activate_20_selected_sims_with_results_and_retry(sandbox_sims, operator_client, operator):  # noqa: F811
    sims = list(Sim.objects.order_by("sid")[:20])
    no_fleet = [s.sid for s in sims if s.fleet_id is None and s.status == "new"]
    already = [s.sid for s in sims if s.status == "active"]
    assert no_fleet and already, "the seed should give both kinds"
    response = operator_client.post(
        BULK,
        {
            "bulk_action": "status",
            "bulk_status": "active",
            "bulk_scope": "selected",
            "sids": [s.sid for s in sims],
            "bulk_confirmed": 20,  # the count the confirmation showed
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    job = Job.objects.get()
    assert response["HX-Redirect"] == reverse("core:job_detail", kwargs={"pk": job.pk})
    assert job.kind == "sims.bulk_status" and job.total == 20
    job.refresh_from_db()  # eager: the chunks ran when the request's transaction committed
    assert job.status == Job.Status.PARTIAL
    assert job.failed == len(no_fleet) and job.succeeded == 20 - len(no_fleet)
    failed = JobItem.objects.filter(job=job, status="failed")
    assert {i.key for i in failed} == set(no_fleet)
    assert all("83007" in i.error for i in failed)
    for sid in already:
        assert JobItem.objects.get(job=job, key=sid).result == {"status": "active", "changed": "no"}
    changed = JobItem.objects.filter(job=job, status="succeeded", result__changed="yes")
    assert changed.exists()
    for item in changed:  # local rows updated from the API's answer: a move to active is scheduled (202)
        assert Sim.objects.get(sid=item.key).status == "scheduled"
    assert AuditEvent.objects.filter(action="sim.update_status", success=True).count() == changed.count()
    assert AuditEvent.objects.filter(action="sim.update_status", success=False).count() == len(no_fleet)

    # the job page shows per-SIM results and offers the retry
    page = operator_client.get(job.get_absolute_url())
    assert b"Retry the" in page.content and no_fleet[0].encode() in page.content

    # give the fleetless SIMs a fleet, then retry the failed items: all succeed now
    fleet = Fleet.objects.order_by("sid").first()
    for sid in no_fleet:
        services.sim_update_fleet(sim=Sim.objects.get(sid=sid), fleet=fleet, user=operator)
    assert job_retry_failed(job=job, user=operator) == len(no_fleet)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.failed == 0 and job.processed == 20


@pytest.mark.django_db(transaction=True)
def test_bulk_move_the_whole_filter_to_a_fleet(sandbox_sims, operator_client):  # noqa: F811
    source, target = Fleet.objects.order_by("sid")[:2]
    members = set(Sim.objects.filter(fleet=source).values_list("sid", flat=True))
    assert members
    response = operator_client.post(
        BULK,
        {
            "bulk_action": "fleet",
            "bulk_fleet": target.sid,
            "bulk_scope": "filter",
            "fleet": source.sid,
            "bulk_confirmed": len(members),
        },
    )
    assert response.status_code == 302
    job = Job.objects.get()
    assert job.kind == "sims.bulk_fleet" and set(job.items.values_list("key", flat=True)) == members
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert set(Sim.objects.filter(fleet=target, sid__in=members).values_list("sid", flat=True)) == members


@pytest.mark.django_db
def test_bulk_form_errors_start_nothing(operator_client):
    response = operator_client.post(
        BULK, {"bulk_action": "status", "bulk_status": "", "bulk_scope": "selected"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 422
    assert b"Choose the new status" in response.content and b"Select at least one SIM" in response.content
    response = operator_client.post(
        BULK, {"bulk_action": "status", "bulk_status": "scheduled", "bulk_scope": "selected", "sids": ["HSx"]}
    )
    assert response.status_code == 422  # not a status an operator may ask for
    assert not Job.objects.exists()


# --- confirmation with the count; an empty match is refused (issue 14) -----------------------------------
@pytest.mark.django_db(transaction=True)
def test_whole_filter_asks_with_the_count_and_starts_only_once_confirmed(sandbox_sims, operator_client):  # noqa: F811
    inactive = set(Sim.objects.filter(status="inactive").values_list("sid", flat=True))
    assert len(inactive) > 1
    data = {"bulk_action": "status", "bulk_status": "active", "bulk_scope": "filter", "status": "inactive"}
    asked = operator_client.post(BULK, data, HTTP_HX_REQUEST="true")
    assert asked.status_code == 200
    assert f"Change status of {len(inactive)} SIMs to Active?" in asked.content.decode()
    assert not Job.objects.exists()  # asking starts nothing
    # what the person confirms: the same action, the same filter and the count they were shown
    confirmed = operator_client.post(BULK, {**data, "bulk_confirmed": len(inactive)}, HTTP_HX_REQUEST="true")
    assert confirmed.status_code == 200
    job = Job.objects.get()
    assert confirmed["HX-Redirect"] == job.get_absolute_url()
    assert set(job.items.values_list("key", flat=True)) == inactive


@pytest.mark.django_db(transaction=True)
def test_a_confirmed_count_that_no_longer_matches_asks_again(sandbox_sims, operator_client):  # noqa: F811
    inactive = Sim.objects.filter(status="inactive").count()
    data = {"bulk_action": "status", "bulk_status": "active", "bulk_scope": "filter", "status": "inactive"}
    answer = operator_client.post(BULK, {**data, "bulk_confirmed": inactive + 5}, HTTP_HX_REQUEST="true")
    assert answer.status_code == 409
    body = answer.content.decode()
    assert f"The filter now matches {inactive} SIMs, not {inactive + 5}" in body
    assert f"Change status of {inactive} SIMs to Active?" in body
    assert not Job.objects.exists()


@pytest.mark.django_db
def test_a_whole_filter_matching_nothing_is_refused_without_a_job(operator_client):
    data = {"bulk_action": "status", "bulk_status": "active", "bulk_scope": "filter", "q": "no-such-sim"}
    for extra in ({}, {"bulk_confirmed": "0"}):  # asked, or posted as if confirmed: refused either way
        response = operator_client.post(BULK, {**data, **extra}, HTTP_HX_REQUEST="true")
        assert response.status_code == 422
        assert "No SIM matches the filter: nothing was started." in response.content.decode()
    assert not Job.objects.exists()
    assert not AuditEvent.objects.filter(action="job.create").exists()


@pytest.mark.django_db(transaction=True)
def test_a_selection_is_confirmed_with_its_count(sandbox_sims, operator_client):  # noqa: F811
    fleet = Fleet.objects.order_by("sid").first()
    sids = list(Sim.objects.exclude(fleet=fleet).order_by("sid").values_list("sid", flat=True)[:3])
    data = {"bulk_action": "fleet", "bulk_fleet": fleet.sid, "bulk_scope": "selected", "sids": sids}
    asked = operator_client.post(BULK, data, HTTP_HX_REQUEST="true")
    assert asked.status_code == 200
    assert f"Move 3 SIMs to fleet {fleet}?" in asked.content.decode()
    assert not Job.objects.exists()
    operator_client.post(BULK, {**data, "bulk_confirmed": "3"}, HTTP_HX_REQUEST="true")
    assert Job.objects.get().total == 3


@pytest.mark.django_db
def test_a_selection_of_unknown_sims_is_refused_without_a_job(operator_client):
    data = {
        "bulk_action": "status",
        "bulk_status": "active",
        "bulk_scope": "selected",
        "sids": ["HS" + "0" * 32],
    }
    response = operator_client.post(BULK, {**data, "bulk_confirmed": "1"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    assert (
        "None of the selected SIMs is in the local database: nothing was started."
        in response.content.decode()
    )
    assert not Job.objects.exists()


def test_the_service_refuses_an_empty_job(db, operator):
    with pytest.raises(services.BulkNothingToDo):
        services.sims_bulk_create_job(user=operator, action="status", value="active", sids=[])
    assert not Job.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_without_javascript_the_confirmation_is_a_page_whose_yes_starts_the_job(
    sandbox_sims,  # noqa: F811
    operator_client,
):
    inactive = Sim.objects.filter(status="inactive").count()
    data = {"bulk_action": "status", "bulk_status": "active", "bulk_scope": "filter", "status": "inactive"}
    asked = operator_client.post(BULK, data)  # a plain form post
    assert asked.status_code == 200
    body = asked.content.decode()
    assert "<title>Confirm the bulk action" in body and f"Change status of {inactive} SIMs to Active?" in body
    assert f'name="bulk_confirmed" value="{inactive}"' in body and 'name="status" value="inactive"' in body
    assert not Job.objects.exists()
    started = operator_client.post(BULK, {**data, "bulk_confirmed": inactive})
    assert started.status_code == 302 and started["Location"] == Job.objects.get().get_absolute_url()
