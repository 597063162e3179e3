"""Reads of local annotations: a fixed number of queries whatever the number of rows."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, QuerySet

from .models import CustomField, CustomFieldValue, Note, ObjectType, Tag, TagAssignment

TAG_MODES = [("any", "any of"), ("all", "all of"), ("none", "none of")]


def object_model(object_type: str):
    """The synced model an object type names (``sim`` -> Sim, ``fleet`` -> Fleet); KeyError otherwise."""
    from apps.fleets.models import Fleet
    from apps.sims.models import Sim

    return {ObjectType.SIM: Sim, ObjectType.FLEET: Fleet}[object_type]


def object_get(*, object_type: str, sid: str):
    """The SIM or fleet (removed ones too); raises ``DoesNotExist`` / ``KeyError``."""
    return object_model(object_type).objects.get(sid=sid)


def tag_list_queryset() -> QuerySet[Tag]:
    """Every tag with how many SIMs and fleets carry it (one grouped query)."""
    return Tag.objects.annotate(
        sims_count=Count("assignments", filter=Q(assignments__object_type=ObjectType.SIM)),
        fleets_count=Count("assignments", filter=Q(assignments__object_type=ObjectType.FLEET)),
    ).order_by("name")


def tags_by_sid(sids: Iterable[str]) -> dict[str, list[Tag]]:
    """``{sid: [tags by name]}`` for the given SIDs: one query."""
    sids = list(sids)
    result: dict[str, list[Tag]] = {}
    if not sids:
        return result
    rows = TagAssignment.objects.filter(sid__in=sids).select_related("tag").order_by("tag__name")
    for row in rows:
        result.setdefault(row.sid, []).append(row.tag)
    return result


def annotate_tags(records: Iterable) -> None:
    """Set ``record.tag_list`` on each record of a page (one query)."""
    records = list(records)
    found = tags_by_sid(r.sid for r in records)
    for record in records:
        record.tag_list = found.get(record.sid, [])


def filter_by_tags(queryset: QuerySet, *, tag_ids: list[int], mode: str = "any") -> QuerySet:
    """Rows carrying any / all / none of the tags: a semi-join on the (tag, sid) index (no join that
    multiplies rows, no DISTINCT), so the cost does not grow with the number of other tags."""
    tag_ids = sorted(set(tag_ids))
    if not tag_ids:
        return queryset
    tagged = TagAssignment.objects.filter(tag_id__in=tag_ids)
    if mode == "all" and len(tag_ids) > 1:
        # one indexed semi-join per tag (cheaper than GROUP BY sid HAVING COUNT = n over every tagged row)
        for tag_id in tag_ids:
            queryset = queryset.filter(sid__in=TagAssignment.objects.filter(tag_id=tag_id).values("sid"))
        return queryset
    if mode == "none":
        return queryset.exclude(sid__in=tagged.values("sid"))
    return queryset.filter(sid__in=tagged.values("sid"))


def custom_fields(object_type: str) -> list[CustomField]:
    return list(CustomField.objects.filter(object_type=object_type).order_by("weight", "name"))


def filter_by_custom_field(queryset: QuerySet, *, field: CustomField, value) -> QuerySet:
    """Rows whose value of ``field`` equals ``value`` (already parsed to the field's type; text compares
    case-insensitively); ``value`` ``""`` for "no value". One semi-join on the (field, value) index."""
    values = CustomFieldValue.objects.filter(field=field)
    if value == "":
        return queryset.exclude(
            sid__in=values.exclude(**{f"{field.value_column}__isnull": True}).values("sid")
        )
    column = field.value_column
    lookup = f"{column}__iexact" if column == "value_text" and field.field_type != "choice" else column
    return queryset.filter(sid__in=values.filter(**{lookup: value}).values("sid"))


def custom_values_by_sid(sids: Iterable[str], fields: list[CustomField]) -> dict[str, dict[int, object]]:
    """``{sid: {field id: value}}``: one query."""
    sids = list(sids)
    result: dict[str, dict[int, object]] = {}
    if not sids or not fields:
        return result
    by_id = {f.pk: f for f in fields}
    rows = CustomFieldValue.objects.filter(sid__in=sids, field_id__in=list(by_id)).values_list(
        "sid", "field_id", "value_text", "value_int", "value_decimal", "value_bool", "value_date"
    )
    for sid, field_id, text, integer, dec, boolean, day in rows:
        column = by_id[field_id].value_column
        value = {
            "value_text": text,
            "value_int": integer,
            "value_decimal": dec,
            "value_bool": boolean,
            "value_date": day,
        }[column]
        result.setdefault(sid, {})[field_id] = value
    return result


def custom_value_text(value) -> str:
    """A value as CSV and the pages write it (``true``/``false``, ISO dates, decimals without trailing 0s)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return text
    return str(value)


def notes_queryset(*, object_type: str | None = None, sid: str | None = None, q: str = "", kind: str = ""):
    """Notes, newest first; ``q`` matches the text (case-insensitive substring), ``kind`` the kind."""
    notes = Note.objects.all().order_by("-created_at", "-id")
    if object_type:
        notes = notes.filter(object_type=object_type)
    if sid:
        notes = notes.filter(sid=sid)
    if q.strip():
        notes = notes.filter(text__icontains=q.strip())
    if kind:
        notes = notes.filter(kind=kind)
    return notes


def object_annotations(
    *, object_type: str, sid: str, notes_q: str = "", notes_kind: str = "", picker: bool = True
) -> dict:
    """What the detail page's annotations panel shows (3 to 5 queries): tags, every tag (the add form's
    picker, when ``picker``), custom fields and their values (when there are fields), the latest notes
    (``notes_q`` / ``notes_kind`` filter them)."""
    fields = custom_fields(object_type)
    values = custom_values_by_sid([sid], fields).get(sid, {})
    return {
        "object_tags": tags_by_sid([sid]).get(sid, []),
        "all_tags": list(Tag.objects.order_by("name")) if picker else [],
        "field_values": [(f, values.get(f.pk), custom_value_text(values.get(f.pk))) for f in fields],
        "notes": list(notes_queryset(sid=sid, q=notes_q, kind=notes_kind)[:100]),
        "notes_q": notes_q,
        "notes_kind": notes_kind,
    }


# --- CSV export hooks --------------------------------------------------------------------------------------
def export_header(object_type: str) -> list[str]:
    """The columns annotations add to an object type's CSV export: ``tags`` then ``cf_<name>`` per field."""
    return ["tags", *[f.param for f in custom_fields(object_type)]]


def export_extend(
    object_type: str, rows: Iterable[list], *, sid_index: int = 0, chunk: int = 2000
) -> Iterator:
    """Each export row with its tags (names joined by ``;``) and custom field values appended: two queries
    per ``chunk`` rows, streamed."""
    fields = custom_fields(object_type)
    batch: list[list] = []

    def flush(batch):
        sids = [row[sid_index] for row in batch]
        tags = tags_by_sid(sids)
        values = custom_values_by_sid(sids, fields)
        for row in batch:
            sid = row[sid_index]
            own = values.get(sid, {})
            yield [
                *row,
                ";".join(t.name for t in tags.get(sid, [])),
                *[custom_value_text(own.get(f.pk)) for f in fields],
            ]

    for row in rows:
        batch.append(list(row))
        if len(batch) >= chunk:
            yield from flush(batch)
            batch = []
    if batch:
        yield from flush(batch)
