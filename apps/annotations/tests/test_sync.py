"""Never lost: tags, custom field values and notes stay on a SIM (by SID) over real syncs against the
sandbox: a full re-sync, a removal upstream (kept, shown greyed) and the SIM's return, a rename upstream."""

from __future__ import annotations

import pytest
from django.db import connection

from apps.annotations import services
from apps.annotations.models import CustomField, CustomFieldValue, Note, TagAssignment
from apps.fleets.models import Fleet
from apps.sandbox import models as sandbox_models
from apps.sims.models import Sim
from apps.sync import services as sync_services
from apps.sync.models import SyncRun

pytestmark = pytest.mark.django_db(transaction=True)
ELSEWHERE = "HS" + "e" * 32


def sync(name: str) -> SyncRun:
    (run,) = sync_services.runs_create(resources=[name], source=SyncRun.Source.CLI)
    run = sync_services.sync_resource(run=run)
    assert run.status == "succeeded", run.error
    return run


def local_data(sid: str) -> tuple:
    return (
        sorted(TagAssignment.objects.filter(sid=sid).values_list("tag__name", flat=True)),
        sorted(CustomFieldValue.objects.filter(sid=sid).values_list("field__name", "value_text")),
        sorted(Note.objects.filter(sid=sid).values_list("kind", "text")),
    )


def move_upstream_sim(old: str, new: str) -> None:
    """The SIM leaves the account upstream (its SID no longer lists) or comes back: on the sandbox's table
    (the API has no DeleteSim)."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE sandbox_sim SET sid = %s WHERE sid = %s", [new, old])
        assert cursor.rowcount == 1


def test_local_data_survives_resync_removal_return_and_rename(synced, operator, admin_member, client):
    sim = Sim.objects.order_by("sid").first()
    fleet = Fleet.objects.order_by("sid").first()
    site = services.custom_field_save(
        field=CustomField(object_type="sim", name="site", label="Site", field_type="text"), user=admin_member
    )
    services.object_tags_set(object_type="sim", sid=sim.sid, names=["pumps", "north"], user=operator)
    services.object_tags_set(object_type="fleet", sid=fleet.sid, names=["north"], user=operator)
    services.object_custom_values_set(object_type="sim", sid=sim.sid, values={site: "Lyon"}, user=operator)
    services.note_create(
        object_type="sim", sid=sim.sid, kind="incident", text="antenna broken", user=operator
    )
    expected = (["north", "pumps"], [("site", "Lyon")], [("incident", "antenna broken")])
    assert local_data(sim.sid) == expected

    runs = sync_services.sync_all(source=SyncRun.Source.CLI)  # a full sync of every resource
    assert all(r.status == "succeeded" for r in runs), [(r.resource, r.error) for r in runs]
    assert local_data(sim.sid) == expected
    assert TagAssignment.objects.filter(sid=fleet.sid).count() == 1

    move_upstream_sim(sim.sid, ELSEWHERE)  # removed upstream
    run = sync("sims")
    assert run.removed == 1
    sim.refresh_from_db()
    assert sim.removed_at is not None
    assert local_data(sim.sid) == expected
    client.force_login(operator)
    page = client.get(sim.get_absolute_url()).content.decode()
    assert "data-annotations-removed" in page and 'data-tag="pumps"' in page and "antenna broken" in page

    move_upstream_sim(ELSEWHERE, sim.sid)  # back in the account
    sync("sims")
    sim.refresh_from_db()
    assert sim.removed_at is None and local_data(sim.sid) == expected

    sandbox_models.Sim.objects.filter(sid=sim.sid).update(unique_name="renamed-upstream")
    run = sync("sims")
    assert run.updated == 1
    sim.refresh_from_db()
    assert sim.unique_name == "renamed-upstream" and local_data(sim.sid) == expected
    assert "data-annotations-removed" not in client.get(sim.get_absolute_url()).content.decode()
