"""Writes of local annotations (tags, notes, custom fields). Every write is audited; nothing here calls the
API: these are data the dashboard owns, keyed by SID."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from apps.audit.services import audit_record

from .models import TAG_COLOURS, CustomField, CustomFieldValue, Note, NoteKind, ObjectType, Tag, TagAssignment
from .selectors import custom_value_text, object_model

#: SIMs per job item of a bulk tag job (one bulk INSERT / DELETE each)
BULK_TAG_BATCH = 500


class AnnotationError(ValueError):
    """A refused annotation write, with a message for the page."""


def _object_changed(object_type: str) -> None:
    """Tags and custom values take part in the SIM list's filters: its cached counts are for the old data."""
    if object_type == ObjectType.SIM:
        from apps.core.cache import data_changed
        from apps.sims.selectors import SIMS_DATA

        data_changed(SIMS_DATA)


def _object_repr(object_type: str, sid: str) -> str:
    obj = object_model(object_type).objects.filter(sid=sid).first()
    return str(obj) if obj is not None else sid


# --- tags --------------------------------------------------------------------------------------------------
def tag_clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise AnnotationError("A tag needs a name.")
    if len(name) > 64:
        raise AnnotationError("A tag name has at most 64 characters.")
    if ";" in name or "," in name:
        raise AnnotationError("A tag name cannot contain ';' or ',' (they separate tags in CSV files).")
    return name


def tag_create(*, name: str, user, colour: str = "#6c757d", description: str = "", request=None) -> Tag:
    """A new tag; raises :class:`AnnotationError` for a bad name or colour, or a name in use (any case)."""
    name = tag_clean_name(name)
    colour = (colour or "").lower()
    if colour not in TAG_COLOURS:
        raise AnnotationError("Choose one of the palette's colours.")
    with transaction.atomic():
        if Tag.objects.filter(name__iexact=name).exists():
            raise AnnotationError(f"A tag named {name!r} exists already.")
        tag = Tag.objects.create(name=name, colour=colour.lower(), description=description[:255])
        audit_record(
            action="tag.create",
            user=user,
            obj=tag,
            after={"name": tag.name, "colour": tag.colour, "description": tag.description},
            request=request,
        )
    return tag


def tag_get_or_create(*, name: str, user, request=None) -> Tag:
    """The tag of that name (any case), created when missing."""
    clean = tag_clean_name(name)
    tag = Tag.objects.filter(name__iexact=clean).first()
    return tag or tag_create(name=clean, user=user, request=request)


def tag_update(*, tag: Tag, user, name: str, colour: str, description: str, request=None) -> Tag:
    """Rename / recolour / describe a tag (its assignments follow: they point to the tag's id)."""
    name = tag_clean_name(name)
    colour = (colour or "").lower()
    if colour not in TAG_COLOURS:
        raise AnnotationError("Choose one of the palette's colours.")
    with transaction.atomic():
        if Tag.objects.filter(name__iexact=name).exclude(pk=tag.pk).exists():
            raise AnnotationError(f"A tag named {name!r} exists already: merge them instead.")
        before = {"name": tag.name, "colour": tag.colour, "description": tag.description}
        tag.name, tag.colour, tag.description = name, colour.lower(), description[:255]
        tag.save(update_fields=["name", "colour", "description"])
        audit_record(
            action="tag.update",
            user=user,
            obj=tag,
            before=before,
            after={"name": tag.name, "colour": tag.colour, "description": tag.description},
            request=request,
        )
    return tag


def tag_merge(*, source: Tag, target: Tag, user, request=None) -> int:
    """Move every assignment of ``source`` to ``target`` (objects with both keep one) and delete ``source``;
    returns how many objects gained ``target``."""
    if source.pk == target.pk:
        raise AnnotationError("A tag cannot be merged into itself.")
    with transaction.atomic():
        has_target = TagAssignment.objects.filter(tag=target).values("sid")
        moved = TagAssignment.objects.filter(tag=source).exclude(sid__in=has_target).update(tag=target)
        total = TagAssignment.objects.filter(tag=source).count() + moved
        TagAssignment.objects.filter(tag=source).delete()
        audit_record(
            action="tag.merge",
            user=user,
            obj=target,
            before={"source": source.name, "source_objects": total},
            after={"target": target.name, "moved": moved},
            request=request,
        )
        source.delete()
    _object_changed(ObjectType.SIM)
    return moved


def tag_counts(tag: Tag) -> dict[str, int]:
    rows = TagAssignment.objects.filter(tag=tag).values_list("object_type").annotate(n=Count("id"))
    counts = {"sim": 0, "fleet": 0}
    counts.update(dict(rows))
    return counts


def tag_delete(*, tag: Tag, user, request=None) -> dict[str, int]:
    """Delete a tag and take it off every object; returns the counts it had (``{"sim": n, "fleet": m}``)."""
    with transaction.atomic():
        counts = tag_counts(tag)
        audit_record(
            action="tag.delete",
            user=user,
            obj=tag,
            before={"name": tag.name, "colour": tag.colour, "sims": counts["sim"], "fleets": counts["fleet"]},
            request=request,
        )
        tag.delete()
    _object_changed(ObjectType.SIM)
    return counts


def object_tag_add(*, object_type: str, sid: str, tag: Tag, user, request=None) -> bool:
    """Put ``tag`` on the object; returns False when it had it already (nothing written, nothing audited)."""
    with transaction.atomic():
        _, created = TagAssignment.objects.get_or_create(
            tag=tag, sid=sid, defaults={"object_type": object_type}
        )
        if created:
            audit_record(
                action=f"{object_type}.tag_add",
                user=user,
                object_type=object_type,
                object_id=sid,
                object_repr=_object_repr(object_type, sid),
                after={"tag": tag.name},
                request=request,
            )
    if created:
        _object_changed(object_type)
    return created


def object_tag_remove(*, object_type: str, sid: str, tag: Tag, user, request=None) -> bool:
    """Take ``tag`` off the object; returns False when it did not have it."""
    with transaction.atomic():
        deleted, _ = TagAssignment.objects.filter(tag=tag, sid=sid).delete()
        if deleted:
            audit_record(
                action=f"{object_type}.tag_remove",
                user=user,
                object_type=object_type,
                object_id=sid,
                object_repr=_object_repr(object_type, sid),
                before={"tag": tag.name},
                request=request,
            )
    if deleted:
        _object_changed(object_type)
    return bool(deleted)


def object_tags_set(*, object_type: str, sid: str, names: list[str], user, request=None) -> list[Tag]:
    """Add the named tags (created when missing) to the object; the CSV onboarding's ``tags`` column."""
    tags = [tag_get_or_create(name=n, user=user, request=request) for n in names if n.strip()]
    for tag in tags:
        object_tag_add(object_type=object_type, sid=sid, tag=tag, user=user, request=request)
    return tags


def tags_bulk_apply(*, tag_id: int, sids: list[str], add: bool, object_type: str = ObjectType.SIM) -> int:
    """Add (or remove) one tag on many objects in one statement; idempotent (objects that already have it
    / do not have it are left alone). Returns how many changed. The job audits it (one entry per batch)."""
    with transaction.atomic():
        if add:
            have = set(
                TagAssignment.objects.filter(tag_id=tag_id, sid__in=sids).values_list("sid", flat=True)
            )
            rows = [
                TagAssignment(tag_id=tag_id, sid=s, object_type=object_type) for s in sids if s not in have
            ]
            TagAssignment.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
            changed = len(rows)
        else:
            changed, _ = TagAssignment.objects.filter(tag_id=tag_id, sid__in=sids).delete()
    if changed:
        _object_changed(object_type)
    return changed


class BulkNothingToDo(ValueError):
    """A bulk tag job over no object: refused, nothing is created."""


def tags_bulk_create_job(*, user, tag: Tag, add: bool, sims_queryset=None, sids=None, request=None):
    """A background job adding (``add=True``) or removing ``tag`` on many SIMs: one job item per
    :data:`BULK_TAG_BATCH` SIMs (a bulk INSERT each), so 10,000 SIMs are 20 items. Raises
    :class:`BulkNothingToDo` when there is no SIM."""
    from apps.core.jobs import job_create

    if sims_queryset is not None:
        keys = list(sims_queryset.order_by("id").values_list("sid", flat=True).iterator(chunk_size=5000))
    else:
        keys = list(dict.fromkeys(sids or []))
    if not keys:
        raise BulkNothingToDo("no SIM")
    verb = "Tag" if add else "Untag"
    title = f"{verb} {len(keys):,} SIM(s) {'with' if add else 'from'} {tag.name}"
    items = []
    for start in range(0, len(keys), BULK_TAG_BATCH):
        batch = keys[start : start + BULK_TAG_BATCH]
        key = f"{batch[0]}..{batch[-1]} ({len(batch)})" if len(batch) > 1 else batch[0]
        items.append((key, {"tag": tag.pk, "add": add, "sids": batch}))
    return job_create(
        kind="annotations.bulk_tag",
        title=title,
        user=user,
        items=items,
        params={"tag": tag.pk, "tag_name": tag.name, "add": add, "sims": len(keys)},
        request=request,
    )


# --- notes -------------------------------------------------------------------------------------------------
def note_create(*, object_type: str, sid: str, kind: str, text: str, user, request=None) -> Note:
    """A journal entry on a SIM or fleet; raises :class:`AnnotationError` for an empty text or bad kind."""
    text = (text or "").strip()
    if not text:
        raise AnnotationError("A note needs some text.")
    if len(text) > 10_000:
        raise AnnotationError("A note has at most 10,000 characters.")
    if kind not in NoteKind.values:
        raise AnnotationError("Choose info, warning or incident.")
    with transaction.atomic():
        note = Note.objects.create(
            object_type=object_type,
            sid=sid,
            kind=kind,
            text=text,
            author=user if getattr(user, "is_authenticated", False) else None,
            author_name=user.get_username() if getattr(user, "is_authenticated", False) else "",
            created_at=timezone.now(),
        )
        audit_record(
            action=f"{object_type}.note_add",
            user=user,
            object_type=object_type,
            object_id=sid,
            object_repr=_object_repr(object_type, sid),
            after={"note": note.pk, "kind": kind, "text": text[:500]},
            request=request,
        )
    return note


# --- custom fields -----------------------------------------------------------------------------------------
_url = URLValidator(schemes=["http", "https"])


def custom_value_parse(*, field: CustomField, raw) -> object:
    """The typed value of ``raw`` (text from a form or a CSV cell) for ``field``; ``None`` for empty.
    Raises ``ValidationError`` with a message naming the expected form."""
    if raw is None:
        return None
    if not isinstance(raw, str):
        raw = custom_value_text(raw)
    raw = raw.strip()
    if raw == "":
        return None
    kind = field.field_type
    if kind == "text":
        if len(raw) > 500:
            raise ValidationError("At most 500 characters.")
        return raw
    if kind == "url":
        _url(raw)
        return raw
    if kind == "choice":
        if raw not in (field.choices or []):
            raise ValidationError(f"Choose one of: {', '.join(field.choices or [])}.")
        return raw
    if kind == "integer":
        try:
            value = int(raw.replace("_", ""))
        except ValueError:
            raise ValidationError("A whole number, e.g. 42.") from None
        if abs(value) > 2**63 - 1:
            raise ValidationError("The number is too big.")
        return value
    if kind == "decimal":
        try:
            value = Decimal(raw)
        except InvalidOperation:
            raise ValidationError("A number, e.g. 3.14.") from None
        if not value.is_finite() or abs(value) >= Decimal(10) ** 16:
            raise ValidationError("The number is too big.")
        return value.quantize(Decimal("0.00000001"))
    if kind == "boolean":
        lowered = raw.lower()
        if lowered in ("true", "yes", "1", "y", "on"):
            return True
        if lowered in ("false", "no", "0", "n", "off"):
            return False
        raise ValidationError("true or false.")
    if kind == "date":
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise ValidationError("A date as YYYY-MM-DD.") from None
    raise ValidationError(f"Unknown field type {kind!r}.")


def custom_field_clean(*, field: CustomField) -> None:
    """Check a field definition (choices of a choice field, the default against the type); raises
    ``ValidationError``."""
    if field.field_type == "choice":
        choices = [str(c).strip() for c in (field.choices or []) if str(c).strip()]
        if not choices:
            raise ValidationError({"choices": "A choice field needs at least one choice."})
        field.choices = list(dict.fromkeys(choices))
    else:
        field.choices = []
    if field.default:
        try:
            custom_value_parse(field=field, raw=field.default)
        except ValidationError as exc:
            raise ValidationError(
                {"default": f"The default is not valid: {' '.join(exc.messages)}"}
            ) from None


def _field_state(field: CustomField) -> dict:
    return {
        "object_type": field.object_type,
        "name": field.name,
        "label": field.label,
        "type": field.field_type,
        "required": field.required,
        "default": field.default,
        "choices": field.choices,
    }


def custom_field_save(*, field: CustomField, user, request=None) -> CustomField:
    """Create or update a field definition (validated by :func:`custom_field_clean`). A type change is
    refused once values exist (they would not fit the new column)."""
    custom_field_clean(field=field)
    with transaction.atomic():
        before = None
        if field.pk:
            old = CustomField.objects.get(pk=field.pk)
            if old.field_type != field.field_type and old.values.exists():
                raise ValidationError({"field_type": "The type cannot change once objects have values."})
            if old.object_type != field.object_type:
                raise ValidationError({"object_type": "A field cannot move to another object type."})
            before = _field_state(old)
        field.save()
        audit_record(
            action="customfield.update" if before else "customfield.create",
            user=user,
            obj=field,
            before=before,
            after=_field_state(field),
            request=request,
        )
    return field


def custom_field_delete(*, field: CustomField, user, request=None) -> int:
    """Delete a field and all its values; returns how many values went."""
    with transaction.atomic():
        count = field.values.count()
        audit_record(
            action="customfield.delete",
            user=user,
            obj=field,
            before={**_field_state(field), "values": count},
            request=request,
        )
        field.delete()
    _object_changed(field.object_type)
    return count


def object_custom_values_set(
    *, object_type: str, sid: str, values: dict[CustomField, object], user, request=None, audit: bool = True
) -> dict[str, tuple]:
    """Set custom field values (already parsed; ``None`` clears) on one object. Returns the changes
    ``{field name: (before, after)}`` as text; audited as one entry. Required fields left empty raise
    ``ValidationError`` (nothing written)."""
    missing = [f.label for f, v in values.items() if f.required and v is None]
    if missing:
        raise ValidationError(f"Required: {', '.join(missing)}.")
    changes: dict[str, tuple] = {}
    with transaction.atomic():
        existing = {
            v.field_id: v
            for v in CustomFieldValue.objects.filter(sid=sid, field__in=list(values)).select_for_update()
        }
        for field, value in values.items():
            if field.object_type != object_type:
                raise ValueError(f"field {field.name} is not a {object_type} field")
            row = existing.get(field.pk)
            old = getattr(row, field.value_column) if row else None
            if old == value:
                continue
            changes[field.name] = (custom_value_text(old), custom_value_text(value))
            if value is None:
                row.delete()
            elif row is None:
                CustomFieldValue.objects.create(field=field, sid=sid, **{field.value_column: value})
            else:
                setattr(row, field.value_column, value)
                row.save(update_fields=[field.value_column, "updated_at"])
        if changes and audit:
            audit_record(
                action=f"{object_type}.custom_fields",
                user=user,
                object_type=object_type,
                object_id=sid,
                object_repr=_object_repr(object_type, sid),
                before={k: b for k, (b, _) in changes.items()},
                after={k: a for k, (_, a) in changes.items()},
                request=request,
            )
    if changes:
        _object_changed(object_type)
    return changes
