"""The CSV onboarding's optional local-data columns: ``tags`` (names separated by ``;`` or ``,``; new ones are
created) and one ``cf_<name>`` column per SIM custom field (checked by the field's type; an empty cell takes
the field's default; a required field needs a value or a default). Called by apps.sims.onboarding."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

from .models import ObjectType
from .selectors import custom_fields

SPLIT = re.compile(r"[;,]")


def column(header: str) -> str:
    """The key of an annotation column (``tags``, ``cf_<name>``), else ``""``; no query (an unknown
    ``cf_`` column is reported per row by :func:`row_checker`)."""
    return header if header == "tags" or (header.startswith("cf_") and len(header) > 3) else ""


def tag_names(cell: str) -> list[str]:
    return list(dict.fromkeys(" ".join(n.split()) for n in SPLIT.split(cell or "") if n.strip()))


def row_checker():
    """A function checking one row's annotation cells (the SIM custom fields read once: one query)."""
    fields = custom_fields(ObjectType.SIM)

    def check(extra: dict[str, str]) -> tuple[dict, list[str]]:
        return row_check(extra, fields)

    return check


def row_check(extra: dict[str, str], fields) -> tuple[dict, list[str]]:
    """``(payload, errors)`` of a row's annotation cells: the payload is ``{"tags": [...], "custom": {name:
    text}}`` (defaults filled in), the errors sentences for the preview."""
    from .services import AnnotationError, custom_value_parse, tag_clean_name

    known = {f.param for f in fields}
    errors: list[str] = [
        f"No SIM custom field {k!r} is defined." for k in extra if k != "tags" and k not in known
    ]
    tags = []
    for name in tag_names(extra.get("tags", "")):
        try:
            tags.append(tag_clean_name(name))
        except AnnotationError as exc:
            errors.append(f"Tag {name[:30]!r}: {exc}")
    custom: dict[str, str] = {}
    for field in fields:
        raw = (extra.get(field.param) or "").strip() or field.default
        if not raw:
            if field.required:
                errors.append(f"{field.param}: required (no value, no default).")
            continue
        try:
            custom_value_parse(field=field, raw=raw)
        except ValidationError as exc:
            errors.append(f"{field.param}: {' '.join(exc.messages)}")
            continue
        custom[field.name] = raw
    return {"tags": tags, "custom": custom}, errors


def apply(*, sid: str, payload: dict, user) -> None:
    """Put a row's tags and custom values on the onboarded SIM (idempotent; audited)."""
    from .services import custom_value_parse, object_custom_values_set, object_tags_set

    if payload.get("tags"):
        object_tags_set(object_type=ObjectType.SIM, sid=sid, names=payload["tags"], user=user)
    wanted = payload.get("custom") or {}
    if wanted:
        fields = {f.name: f for f in custom_fields(ObjectType.SIM)}
        values = {
            fields[name]: custom_value_parse(field=fields[name], raw=raw)
            for name, raw in wanted.items()
            if name in fields
        }
        if values:
            object_custom_values_set(object_type=ObjectType.SIM, sid=sid, values=values, user=user)
