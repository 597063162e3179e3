"""The annotations on the pages: in place on SIM and fleet pages (htmx), list filters and columns, CSV
export, the bulk tag job with its confirmation, the tag and custom field admin, the notes list."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from apps.annotations.models import CustomField, CustomFieldValue, Note, Tag, TagAssignment
from apps.audit.models import AuditEvent
from apps.core.models import Job
from apps.fleets.tests.factories import FleetFactory
from apps.sims.tests.factories import SimFactory

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def tag(name, *sims):
    t = Tag.objects.create(name=name)
    for sim in sims:
        TagAssignment.objects.create(tag=t, sid=sim.sid, object_type="sim")
    return t


def test_operator_tags_a_sim_in_place_and_removes_it(operator_client):
    sim = SimFactory()
    url = reverse("annotations:object_tag_add", kwargs={"object_type": "sim", "sid": sim.sid})
    response = operator_client.post(url, {"name": "Customer ACME"}, **HX)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="annotations-tags"' in body and 'data-tag="Customer ACME"' in body
    assert "tagsChanged" in response["HX-Trigger"]
    acme = Tag.objects.get(name="Customer ACME")  # created on the way
    assert TagAssignment.objects.filter(tag=acme, sid=sim.sid).exists()
    remove = reverse(
        "annotations:object_tag_remove", kwargs={"object_type": "sim", "sid": sim.sid, "pk": acme.pk}
    )
    body = operator_client.post(remove, **HX).content.decode()
    assert "data-no-tags" in body and not TagAssignment.objects.exists()
    assert [e.action for e in AuditEvent.objects.order_by("pk")][-3:] == [
        "tag.create",
        "sim.tag_add",
        "sim.tag_remove",
    ]


def test_a_bad_tag_name_is_a_message_not_an_error(operator_client):
    sim = SimFactory()
    url = reverse("annotations:object_tag_add", kwargs={"object_type": "sim", "sid": sim.sid})
    response = operator_client.post(url, {"name": "a;b"}, **HX)
    assert response.status_code == 422
    assert "cannot contain" in response.content.decode() and not Tag.objects.exists()
    missing = reverse("annotations:object_tag_add", kwargs={"object_type": "sim", "sid": "HS" + "0" * 32})
    assert operator_client.post(missing, {"name": "x"}).status_code == 404
    wrong_type = reverse("annotations:object_tag_add", kwargs={"object_type": "nap", "sid": sim.sid})
    assert operator_client.post(wrong_type, {"name": "x"}).status_code == 404


def test_detail_pages_show_the_panel_viewer_read_only_removed_greyed(viewer_client):
    fleet = FleetFactory()
    sim = SimFactory(fleet=fleet)
    tag("pumps", sim)
    Note.objects.create(
        object_type="sim", sid=sim.sid, kind="warning", text="battery low", created_at="2026-01-02T03:04:05Z"
    )
    body = viewer_client.get(sim.get_absolute_url()).content.decode()
    assert 'data-tag="pumps"' in body and "battery low" in body
    assert 'id="tag-add-form"' not in body and 'id="note-add-form"' not in body  # a viewer reads only
    assert "data-annotations-removed" not in body
    sim.removed_at = "2026-01-03T00:00:00Z"
    sim.save()
    body = viewer_client.get(sim.get_absolute_url()).content.decode()
    assert "data-annotations-removed" in body and "annotations-removed" in body and 'data-tag="pumps"' in body
    fleet_body = viewer_client.get(fleet.get_absolute_url()).content.decode()
    assert 'id="annotations-tags"' in fleet_body and "No tags." in fleet_body


def test_sim_list_filters_by_tags_any_all_none_and_shows_the_column(viewer_client):
    s1, s2, s3 = SimFactory.create_batch(3)
    a, b = tag("a", s1, s2), tag("b", s2)
    url = reverse("sims:sim_list")

    def sids(query):
        response = viewer_client.get(url, query)
        assert response.status_code == 200
        return {sid for sid in (s1.sid, s2.sid, s3.sid) if f'data-sid="{sid}"' in response.content.decode()}

    assert sids({"tag": [a.pk, b.pk]}) == {s1.sid, s2.sid}
    assert sids({"tag": [a.pk, b.pk], "tag_mode": "all"}) == {s2.sid}
    assert sids({"tag": [a.pk], "tag_mode": "none"}) == {s3.sid}
    body = viewer_client.get(url).content.decode()
    assert '<td class="sim-tags"><span class="badge annotations-tag tag-c-6c757d" data-tag="a"' in body
    bad = viewer_client.get(url, {"tag": "999"})
    assert bad.status_code == 200 and "Some filters are not valid" in bad.content.decode()


def test_fleet_list_filters_by_tag(viewer_client):
    f1, f2 = FleetFactory(), FleetFactory()
    t = Tag.objects.create(name="north")
    TagAssignment.objects.create(tag=t, sid=f1.sid, object_type="fleet")
    body = viewer_client.get(reverse("fleets:fleet_list"), {"tag": t.pk}).content.decode()
    assert f'data-sid="{f1.sid}"' in body and f'data-sid="{f2.sid}"' not in body
    assert 'data-tag="north"' in body


def test_custom_field_filter_edit_and_csv(operator_client):
    viewer_client = operator_client  # reads as any role
    floor = CustomField.objects.create(
        object_type="sim", name="floor", label="Floor", field_type="integer", default="7"
    )
    site = CustomField.objects.create(
        object_type="sim", name="site", label="Site", field_type="text", required=True
    )
    s1, s2 = SimFactory(), SimFactory()
    edit = reverse("annotations:object_fields", kwargs={"object_type": "sim", "sid": s1.sid})
    page = operator_client.get(s1.get_absolute_url()).content.decode()
    assert 'name="cf_floor" value="7"' in page  # the default is offered while there is no value
    bad = operator_client.post(edit, {"cf_floor": "two", "cf_site": "Lyon"}, **HX)
    assert bad.status_code == 422 and "A whole number" in bad.content.decode()
    assert not CustomFieldValue.objects.exists()  # nothing half-written
    missing = operator_client.post(edit, {"cf_floor": "2", "cf_site": ""}, **HX)
    assert missing.status_code == 422 and "This field is required." in missing.content.decode()
    ok = operator_client.post(edit, {"cf_floor": "2", "cf_site": "Lyon"}, **HX)
    assert ok.status_code == 200 and 'data-field="cf_floor">2<' in ok.content.decode()
    tag("pumps", s1)

    url = reverse("sims:sim_list")
    body = viewer_client.get(url, {"cf_floor": "2"}).content.decode()
    assert f'data-sid="{s1.sid}"' in body and f'data-sid="{s2.sid}"' not in body
    body = viewer_client.get(url, {"cf_site": "lyon"}).content.decode()  # text: any case
    assert f'data-sid="{s1.sid}"' in body
    body = viewer_client.get(url, {"cf_floor": "-"}).content.decode()  # no value
    assert f'data-sid="{s2.sid}"' in body and f'data-sid="{s1.sid}"' not in body
    assert "A whole number" in viewer_client.get(url, {"cf_floor": "x"}).content.decode()

    response = viewer_client.get(reverse("sims:sim_export_csv"))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][-3:] == ["tags", "cf_floor", "cf_site"]
    by_sid = {r[0]: r for r in rows[1:]}
    assert by_sid[s1.sid][-3:] == ["pumps", "2", "Lyon"] and by_sid[s2.sid][-3:] == ["", "", ""]
    assert floor.values.count() == 1 and site.values.count() == 1


def test_bulk_tag_of_a_filter_asks_with_the_count_then_runs_the_job(
    operator_client, django_capture_on_commit_callbacks
):
    sims = SimFactory.create_batch(4, status="active")
    SimFactory(status="inactive")
    t = Tag.objects.create(name="batch-7")
    form = {"bulk_action": "tag", "bulk_tag": t.pk, "bulk_scope": "filter", "status": "active"}
    ask = operator_client.post(reverse("sims:sim_bulk"), form, **HX)
    assert ask.status_code == 200 and "Add tag batch-7 to 4 SIMs?" in ask.content.decode()
    assert not Job.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        done = operator_client.post(reverse("sims:sim_bulk"), {**form, "bulk_confirmed": 4}, **HX)
    job = Job.objects.get()
    assert done["HX-Redirect"] == job.get_absolute_url()
    job.refresh_from_db()  # eager: ran on commit
    assert (job.kind, job.status, job.total) == ("annotations.bulk_tag", "succeeded", 1)
    assert set(TagAssignment.objects.filter(tag=t).values_list("sid", flat=True)) == {s.sid for s in sims}
    untag = {
        "bulk_action": "untag",
        "bulk_tag": t.pk,
        "bulk_scope": "selected",
        "sids": [sims[0].sid],
        "bulk_confirmed": 1,
    }
    with django_capture_on_commit_callbacks(execute=True):
        operator_client.post(reverse("sims:sim_bulk"), untag, **HX)
    assert TagAssignment.objects.filter(tag=t).count() == 3
    assert AuditEvent.objects.filter(action="sim.bulk_tag_remove").get().after["changed"] == 1
    no_tag = operator_client.post(reverse("sims:sim_bulk"), {**form, "bulk_tag": ""}, **HX)
    assert no_tag.status_code == 422 and "Choose the tag." in no_tag.content.decode()


def test_tag_admin_rename_merge_delete_with_counts(admin_client_, viewer):
    from django.test import Client

    viewer_client = Client()
    viewer_client.force_login(viewer)
    s1, s2 = SimFactory(), SimFactory()
    old, new = tag("old", s1, s2), tag("new", s1)
    listing = viewer_client.get(reverse("annotations:tag_list")).content.decode()
    assert "old" in listing and "Edit, merge or delete" not in listing
    page = admin_client_.get(reverse("annotations:tag_edit", kwargs={"pk": old.pk})).content.decode()
    assert "On <strong>2</strong> SIMs and <strong>0</strong> fleets." in page
    taken = admin_client_.post(
        reverse("annotations:tag_edit", kwargs={"pk": old.pk}), {"name": "NEW", "colour": "#6c757d"}
    )
    assert taken.status_code == 422 and "merge them instead" in taken.content.decode()
    admin_client_.post(
        reverse("annotations:tag_edit", kwargs={"pk": old.pk}), {"name": "older", "colour": "#dc3545"}
    )
    old.refresh_from_db()
    assert (old.name, old.colour) == ("older", "#dc3545")
    admin_client_.post(reverse("annotations:tag_merge", kwargs={"pk": old.pk}), {"target": new.pk})
    assert list(Tag.objects.values_list("name", flat=True)) == ["new"]
    assert TagAssignment.objects.filter(tag=new).count() == 2
    response = admin_client_.post(reverse("annotations:tag_delete", kwargs={"pk": new.pk}), follow=True)
    assert "Tag new deleted (it was on 2 SIM(s) and 0 fleet(s))." in response.content.decode()
    created = admin_client_.post(reverse("annotations:tag_create"), {"name": "fresh", "colour": "#198754"})
    assert created.status_code == 302 and Tag.objects.get().name == "fresh"


def test_custom_field_admin_create_and_refusals(admin_client_):
    url = reverse("annotations:customfield_create")
    base = {"object_type": "sim", "name": "color", "label": "Colour", "field_type": "choice", "weight": 1}
    refused = admin_client_.post(url, {**base, "choices_text": ""})
    assert refused.status_code == 422 and "at least one choice" in refused.content.decode()
    assert (
        admin_client_.post(url, {**base, "choices_text": "red\ngreen\nred", "default": "red"}).status_code
        == 302
    )
    field = CustomField.objects.get()
    assert field.choices == ["red", "green"] and field.param == "cf_color"
    page = admin_client_.get(reverse("annotations:customfield_list")).content.decode()
    assert "cf_color" in page
    admin_client_.post(reverse("annotations:customfield_delete", kwargs={"pk": field.pk}))
    assert not CustomField.objects.exists()
    assert AuditEvent.objects.filter(action__startswith="customfield.").count() == 2


def test_notes_added_in_place_searched_on_the_page_and_in_the_list(operator_client):
    sim = SimFactory()
    add = reverse("annotations:object_note_add", kwargs={"object_type": "sim", "sid": sim.sid})
    assert operator_client.post(add, {"kind": "incident", "text": "antenna broken"}, **HX).status_code == 200
    operator_client.post(add, {"kind": "info", "text": "moved to site B"}, **HX)
    empty = operator_client.post(add, {"kind": "info", "text": ""}, **HX)
    assert empty.status_code == 422 and Note.objects.count() == 2
    part = reverse("annotations:object_notes", kwargs={"object_type": "sim", "sid": sim.sid})
    body = operator_client.get(part, {"notes_q": "ANTENNA"}, **HX).content.decode()
    assert "antenna broken" in body and "moved to site B" not in body
    body = operator_client.get(part, {"notes_kind": "info"}, **HX).content.decode()
    assert "moved to site B" in body and "antenna broken" not in body
    listing = operator_client.get(reverse("annotations:note_list"), {"q": "site b"}).content.decode()
    assert "moved to site B" in listing and "antenna broken" not in listing
    assert AuditEvent.objects.filter(action="sim.note_add", object_id=sim.sid).count() == 2
