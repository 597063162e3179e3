"""export_local_data / import_local_data: a round trip into an emptied database, idempotent, and a file of
a newer schema refused before anything is written."""

from __future__ import annotations

import io
import json

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import CommandError, call_command

from apps.annotations import backup, services
from apps.annotations.models import CustomField, CustomFieldValue, Note, Tag, TagAssignment
from apps.audit.models import AuditEvent
from apps.sims.tests.factories import SimFactory

pytestmark = pytest.mark.django_db


def snapshot() -> dict:
    return {
        "tags": sorted(Tag.objects.values_list("name", "colour", "description", "created_at")),
        "assignments": sorted(TagAssignment.objects.values_list("tag__name", "sid", "object_type")),
        "fields": sorted(
            CustomField.objects.values_list("object_type", "name", "field_type", "choices", "default")
        ),
        "values": sorted(
            CustomFieldValue.objects.values_list(
                "field__name", "sid", "value_text", "value_int", "value_date"
            )
        ),
        "notes": sorted(
            Note.objects.values_list("uid", "sid", "kind", "text", "author__username", "created_at")
        ),
        "users": sorted(User.objects.values_list("username", "password", "is_active", "groups__name")),
        "audit": sorted(
            AuditEvent.objects.values_list("timestamp", "action", "object_id", "username", "after")
        ),
    }


def test_round_trip_into_an_empty_database_then_idempotent(tmp_path, operator, admin_member):
    sim = SimFactory()
    services.object_tags_set(object_type="sim", sid=sim.sid, names=["pumps"], user=operator)
    fields = {
        name: services.custom_field_save(
            field=CustomField(object_type="sim", name=name, label=name, field_type=kind, choices=choices),
            user=admin_member,
        )
        for name, kind, choices in [
            ("site", "choice", ["Lyon", "Oslo"]),
            ("floor", "integer", []),
            ("d", "date", []),
        ]
    }
    values = {
        fields["site"]: "Oslo",
        fields["floor"]: -3,
        fields["d"]: services.custom_value_parse(field=fields["d"], raw="2026-02-03"),
    }
    services.object_custom_values_set(object_type="sim", sid=sim.sid, values=values, user=operator)
    services.note_create(object_type="sim", sid=sim.sid, kind="warning", text="line 1\nline 2", user=operator)
    before = snapshot()
    path = tmp_path / "local.jsonl"
    call_command("export_local_data", str(path))
    header = json.loads(path.read_text().splitlines()[0])
    assert header["schema_version"] == backup.SCHEMA_VERSION and header["counts"]["annotations.tag"] == 1

    # a fresh database: nothing of it left (the SIMs come back from the API by a sync, not from here)
    for model in (TagAssignment, Tag, CustomFieldValue, CustomField, Note, AuditEvent):
        model.objects.all().delete()
    User.objects.all().delete()
    call_command("import_local_data", str(path), stdout=io.StringIO())
    assert snapshot() == before

    out = io.StringIO()
    call_command("import_local_data", str(path), stdout=out)
    assert snapshot() == before  # a second import changes nothing
    assert "annotations.tag: 0 created, 0 updated, 1 unchanged" in out.getvalue()
    restored = User.objects.get(username=operator.username)
    assert list(restored.groups.values_list("name", flat=True)) == ["operator"]
    assert restored.has_perm("accounts.operate") and Group.objects.filter(name="operator").count() == 1


def test_a_newer_schema_is_refused_with_a_message_and_nothing_written(tmp_path):
    path = tmp_path / "future.jsonl"
    header = {"format": backup.FORMAT, "schema_version": backup.SCHEMA_VERSION + 1, "counts": {}}
    row = {"model": "annotations.tag", "key": {"name": "from-the-future"}, "fields": {"colour": "#6c757d"}}
    path.write_text(json.dumps(header) + "\n" + json.dumps(row) + "\n")
    with pytest.raises(CommandError, match="newer than this installation's .* upgrade Super SIM Admin"):
        call_command("import_local_data", str(path))
    assert not Tag.objects.exists()
    path.write_text('{"not": "ours"}\n')
    with pytest.raises(CommandError, match="Not a local-data backup"):
        call_command("import_local_data", str(path))


def test_a_broken_line_imports_nothing(tmp_path):
    header = {"format": backup.FORMAT, "schema_version": 1, "counts": {}}
    good = {"model": "annotations.tag", "key": {"name": "ok"}, "fields": {"colour": "#6c757d"}}
    path = tmp_path / "broken.jsonl"
    path.write_text("\n".join([json.dumps(header), json.dumps(good), '{"model": "nope.x"}']) + "\n")
    with pytest.raises(CommandError, match="Line 3"):
        call_command("import_local_data", str(path))
    assert not Tag.objects.exists()  # one transaction


def test_the_registry_lists_every_local_model_in_dependency_order():
    labels = [e.label for e in backup.registered()]
    for label in ("auth.group", "auth.user", "annotations.tag", "annotations.note", "audit.auditevent"):
        assert label in labels
    assert labels.index("annotations.tag") < labels.index("annotations.tagassignment")
    assert labels.index("annotations.customfield") < labels.index("annotations.customfieldvalue")
    assert labels.index("auth.user") < labels.index("alerts.alertrule")
    assert labels.index("alerts.channel") < labels.index("alerts.alertrule")
    assert labels.index("savedviews.savedview") < labels.index("savedviews.listpreference")


def test_alert_rules_channels_and_saved_views_come_back_with_their_fleet_and_owner(tmp_path, operator):
    from apps.alerts.models import AlertRule, Channel
    from apps.alerts.tests.factories import channel, rule
    from apps.fleets.tests.factories import FleetFactory
    from apps.savedviews.models import ListPreference, SavedView

    fleet = FleetFactory()
    hook = channel(name="ops hook", kind="webhook", target="https://example.net/h", secret="s3cret")
    rule(name="fleet at 80 %", scope="fleet", fleet=fleet, channels=[hook], created_by=operator)
    view = SavedView.objects.create(
        owner=operator, list_key="sims:sim_list", name="Active", query="status=active"
    )
    ListPreference.objects.create(
        user=operator, list_key="sims:sim_list", columns=["iccid"], default_view=view
    )
    path = tmp_path / "local.jsonl"
    call_command("export_local_data", str(path))

    for model in (AlertRule, Channel, ListPreference, SavedView):
        model.objects.all().delete()
    User.objects.all().delete()
    call_command("import_local_data", str(path), stdout=io.StringIO())
    back = AlertRule.objects.get()
    assert (back.name, back.scope, back.fleet_id, back.created_by.username) == (
        "fleet at 80 %",
        "fleet",
        fleet.sid,
        operator.username,
    )
    assert [(c.name, c.secret) for c in back.channels.all()] == [("ops hook", "s3cret")]
    pref = ListPreference.objects.get()
    assert (pref.user.username, pref.columns, pref.default_view.name, pref.default_view.query) == (
        operator.username,
        ["iccid"],
        "Active",
        "status=active",
    )
