"""Tags, notes and custom field values: the services' contracts (no API involved: local data)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from apps.annotations import services
from apps.annotations.models import CustomField, CustomFieldValue, Note, Tag, TagAssignment
from apps.audit.models import AuditEvent
from apps.sims.tests.factories import SimFactory

pytestmark = pytest.mark.django_db


def test_tag_add_remove_is_idempotent_and_audited(operator):
    sim = SimFactory()
    tag = services.tag_create(name="  Site  A ", colour="#0D6EFD", user=operator)
    assert (tag.name, tag.colour) == ("Site A", "#0d6efd")
    assert services.object_tag_add(object_type="sim", sid=sim.sid, tag=tag, user=operator) is True
    assert services.object_tag_add(object_type="sim", sid=sim.sid, tag=tag, user=operator) is False
    assert TagAssignment.objects.filter(sid=sim.sid).count() == 1
    assert AuditEvent.objects.filter(action="sim.tag_add", object_id=sim.sid).count() == 1
    assert services.object_tag_remove(object_type="sim", sid=sim.sid, tag=tag, user=operator) is True
    assert services.object_tag_remove(object_type="sim", sid=sim.sid, tag=tag, user=operator) is False
    assert AuditEvent.objects.get(action="sim.tag_remove").before == {"tag": "Site A"}


@pytest.mark.parametrize(
    ("name", "colour", "message"),
    [("", "#6c757d", "needs a name"), ("a;b", "#6c757d", "cannot contain"), ("ok", "#123456", "palette")],
)
def test_tag_create_refuses_bad_input(admin_member, name, colour, message):
    with pytest.raises(services.AnnotationError, match=message):
        services.tag_create(name=name, colour=colour, user=admin_member)
    assert not Tag.objects.exists()


def test_tag_names_are_unique_whatever_the_case(admin_member):
    services.tag_create(name="Batch 7", user=admin_member)
    with pytest.raises(services.AnnotationError, match="exists already"):
        services.tag_create(name="batch 7", user=admin_member)
    assert services.tag_get_or_create(name="BATCH 7", user=admin_member).name == "Batch 7"


def test_merge_moves_assignments_once_and_delete_reports_counts(admin_member):
    a, b = services.tag_create(name="a", user=admin_member), services.tag_create(name="b", user=admin_member)
    sims = SimFactory.create_batch(3)
    for sim in sims:
        TagAssignment.objects.create(tag=a, sid=sim.sid, object_type="sim")
    TagAssignment.objects.create(tag=b, sid=sims[0].sid, object_type="sim")  # has both
    assert services.tag_merge(source=a, target=b, user=admin_member) == 2
    assert not Tag.objects.filter(name="a").exists()
    assert sorted(TagAssignment.objects.filter(tag=b).values_list("sid", flat=True)) == sorted(
        s.sid for s in sims
    )
    assert services.tag_delete(tag=b, user=admin_member) == {"sim": 3, "fleet": 0}
    assert not TagAssignment.objects.exists()
    assert AuditEvent.objects.get(action="tag.delete").before["sims"] == 3


def test_bulk_apply_adds_and_removes_only_what_changes(admin_member):
    tag = services.tag_create(name="bulk", user=admin_member)
    sids = [s.sid for s in SimFactory.create_batch(5)]
    TagAssignment.objects.create(tag=tag, sid=sids[0], object_type="sim")
    assert services.tags_bulk_apply(tag_id=tag.pk, sids=sids, add=True) == 4
    assert services.tags_bulk_apply(tag_id=tag.pk, sids=sids, add=True) == 0
    assert services.tags_bulk_apply(tag_id=tag.pk, sids=sids[:2], add=False) == 2
    assert TagAssignment.objects.filter(tag=tag).count() == 3


@pytest.mark.parametrize(
    ("field_type", "raw", "expected"),
    [
        ("integer", " 42 ", 42),
        ("decimal", "3.50", Decimal("3.5")),
        ("boolean", "Yes", True),
        ("boolean", "0", False),
        ("date", "2026-03-01", dt.date(2026, 3, 1)),
        ("url", "https://example.com/x", "https://example.com/x"),
        ("text", "", None),
    ],
)
def test_custom_value_parse_types(field_type, raw, expected):
    field = CustomField(object_type="sim", name="f", label="F", field_type=field_type)
    assert services.custom_value_parse(field=field, raw=raw) == expected


@pytest.mark.parametrize(
    ("field_type", "raw", "message"),
    [
        ("integer", "4.2", "whole number"),
        ("decimal", "abc", "A number"),
        ("boolean", "maybe", "true or false"),
        ("date", "01/03/2026", "YYYY-MM-DD"),
        ("url", "ftp://x", "valid URL"),
        ("choice", "blue", "Choose one of: red, green"),
    ],
)
def test_custom_value_parse_refuses_with_a_message(field_type, raw, message):
    field = CustomField(
        object_type="sim", name="f", label="F", field_type=field_type, choices=["red", "green"]
    )
    with pytest.raises(ValidationError, match=message):
        services.custom_value_parse(field=field, raw=raw)


def test_custom_field_definition_checks_default_and_choices(admin_member):
    bad = CustomField(object_type="sim", name="n", label="N", field_type="integer", default="ten")
    with pytest.raises(ValidationError, match="default is not valid"):
        services.custom_field_save(field=bad, user=admin_member)
    empty_choice = CustomField(object_type="sim", name="c", label="C", field_type="choice", choices=[" "])
    with pytest.raises(ValidationError, match="at least one choice"):
        services.custom_field_save(field=empty_choice, user=admin_member)
    assert not CustomField.objects.exists()


def test_custom_values_set_changes_only_what_differs_and_refuses_required_empty(operator, admin_member):
    sim = SimFactory()
    size = services.custom_field_save(
        field=CustomField(object_type="sim", name="size", label="Size", field_type="integer"),
        user=admin_member,
    )
    site = services.custom_field_save(
        field=CustomField(object_type="sim", name="site", label="Site", field_type="text", required=True),
        user=admin_member,
    )
    changes = services.object_custom_values_set(
        object_type="sim", sid=sim.sid, values={size: 3, site: "Lyon"}, user=operator
    )
    assert changes == {"size": ("", "3"), "site": ("", "Lyon")}
    assert (
        services.object_custom_values_set(
            object_type="sim", sid=sim.sid, values={size: 3, site: "Lyon"}, user=operator
        )
        == {}
    )
    with pytest.raises(ValidationError, match="Required: Site"):
        services.object_custom_values_set(
            object_type="sim", sid=sim.sid, values={size: None, site: None}, user=operator
        )
    assert CustomFieldValue.objects.get(field=size, sid=sim.sid).value_int == 3  # nothing half-written
    event = AuditEvent.objects.get(action="sim.custom_fields")
    assert event.after == {"size": "3", "site": "Lyon"}


def test_note_create_keeps_author_and_refuses_empty(operator):
    sim = SimFactory()
    note = services.note_create(
        object_type="sim", sid=sim.sid, kind="incident", text=" lost signal ", user=operator
    )
    assert (note.text, note.author_name, note.kind) == ("lost signal", operator.username, "incident")
    with pytest.raises(services.AnnotationError, match="needs some text"):
        services.note_create(object_type="sim", sid=sim.sid, kind="info", text="  ", user=operator)
    with pytest.raises(services.AnnotationError, match="info, warning or incident"):
        services.note_create(object_type="sim", sid=sim.sid, kind="gossip", text="x", user=operator)
    assert Note.objects.count() == 1
    assert AuditEvent.objects.get(action="sim.note_add").after["text"] == "lost signal"
