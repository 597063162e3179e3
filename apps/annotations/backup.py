"""The local-data backup: everything the API cannot give back, as one versioned JSON Lines file.

A registry of models (``register(...)``, called from an app's ``AppConfig.ready``; this app registers users
and roles, the audit log, tags, custom fields and their values, notes): each row is written with its
*natural key* (fields that identify it in any database: a tag's name, a value's (field, SID), a user's
username ...) and its other fields, foreign keys written as the natural key of the row they point to. The
import upserts by natural key in registration order, so it is idempotent (a second import changes nothing)
and works on a fresh database.

File: line 1 ``{"format": FORMAT, "schema_version": N, "created_at": ..., "counts": {label: n}}``, then one
``{"model": label, "key": {...}, "fields": {...}}`` per row. A file of a newer schema than
:data:`SCHEMA_VERSION` is refused before anything is written.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

FORMAT = "supersim-admin-local-data"
#: bump when a registered model's exported shape changes incompatibly; imports refuse newer files
SCHEMA_VERSION = 1


class _Encoder(DjangoJSONEncoder):
    """Django's encoder, but datetimes keep their microseconds (it cuts them to milliseconds)."""

    def default(self, o):
        if isinstance(o, datetime.datetime):
            return o.isoformat()
        return super().default(o)


class BackupError(Exception):
    """The file cannot be imported (newer schema, not our format, a broken line); nothing was written."""


@dataclass
class BackupModel:
    label: str
    model: type[models.Model]
    key: tuple[str, ...]
    exclude: tuple[str, ...] = ()
    m2m: tuple[str, ...] = ()  # many-to-many fields exported as the related rows' keys
    queryset: Callable[[], models.QuerySet] | None = None
    fields: list[str] = field(default_factory=list)

    def rows(self) -> models.QuerySet:
        return self.queryset() if self.queryset else self.model._default_manager.all()


_REGISTRY: dict[str, BackupModel] = {}


def register(
    model: type[models.Model],
    *,
    key: tuple[str, ...],
    exclude: tuple[str, ...] = (),
    m2m: tuple[str, ...] = (),
    queryset: Callable[[], models.QuerySet] | None = None,
) -> None:
    """Put a model in the backup. ``key``: the fields identifying a row across databases (foreign keys
    allowed: they are written as the target's key); the target of every foreign key must be registered
    before (or be the user model). Registering twice replaces the entry."""
    label = model._meta.label_lower
    concrete = [f.name for f in model._meta.concrete_fields if not f.primary_key and f.name not in exclude]
    _REGISTRY[label] = BackupModel(label, model, tuple(key), tuple(exclude), tuple(m2m), queryset, concrete)


def registered() -> list[BackupModel]:
    return list(_REGISTRY.values())


def register_defaults() -> None:
    """Users and roles, the audit log, and this app's models (in dependency order)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from apps.audit.models import AuditEvent

    from .models import CustomField, CustomFieldValue, Note, Tag, TagAssignment

    register(Group, key=("name",))
    register(get_user_model(), key=("username",), m2m=("groups",))
    register(Tag, key=("name",))
    register(TagAssignment, key=("tag", "sid"))
    register(CustomField, key=("object_type", "name"))
    register(CustomFieldValue, key=("field", "sid"))
    register(Note, key=("uid",))
    register(AuditEvent, key=("timestamp", "action", "object_type", "object_id", "username", "request_id"))


# --- export ------------------------------------------------------------------------------------------------
def _key_of(entry: BackupModel, obj) -> dict:
    return {name: _value(entry.model._meta.get_field(name), obj) for name in entry.key}


def _entry_for(model) -> BackupModel | None:
    return _REGISTRY.get(model._meta.label_lower)


def _value(model_field, obj):
    if isinstance(model_field, models.ForeignKey):
        entry = _entry_for(model_field.related_model)
        if entry is None:
            # a synced row named by its SID (``to_field="sid"``) is written as that SID; other rows of
            # models outside the backup are left out
            return getattr(obj, model_field.attname) if _by_natural_field(model_field) else None
        target = getattr(obj, model_field.name)
        return None if target is None else _key_of(entry, target)
    return getattr(obj, model_field.attname)


def _by_natural_field(model_field) -> bool:
    """True for a foreign key on a field of its own rather than the target's primary key (a SID)."""
    return model_field.to_fields[0] not in (None, model_field.related_model._meta.pk.name)


def export_lines(*, labels: Iterable[str] | None = None) -> Iterator[str]:
    """The backup, line by line (header first). ``labels``: only these models."""
    entries = [e for e in registered() if labels is None or e.label in set(labels)]
    counts = {e.label: e.rows().count() for e in entries}
    header = {
        "format": FORMAT,
        "schema_version": SCHEMA_VERSION,
        "created_at": timezone.now().isoformat(),
        "counts": counts,
    }
    yield json.dumps(header)
    for entry in entries:
        fks = [
            f
            for f in entry.fields
            if isinstance(entry.model._meta.get_field(f), models.ForeignKey)
            and _entry_for(entry.model._meta.get_field(f).related_model) is not None
        ]
        rows = entry.rows().select_related(*fks) if fks else entry.rows()
        if entry.m2m:
            rows = rows.prefetch_related(*entry.m2m)
        for obj in rows.order_by("pk").iterator(chunk_size=2000) if not entry.m2m else rows.order_by("pk"):
            data = {name: _value(entry.model._meta.get_field(name), obj) for name in entry.fields}
            key = {name: data.pop(name) for name in entry.key}
            for name in entry.m2m:
                target = _entry_for(entry.model._meta.get_field(name).related_model)
                data[name] = [_key_of(target, t) for t in getattr(obj, name).all()] if target else []
            yield json.dumps({"model": entry.label, "key": key, "fields": data}, cls=_Encoder)


# --- import ------------------------------------------------------------------------------------------------
def _lookup(model_field, value, cache: dict):
    """The local row a foreign key's exported key names (None when it is not here)."""
    if value is None:
        return None
    target_model = model_field.related_model
    entry = _entry_for(target_model)
    if entry is None:
        return None
    cache_key = (entry.label, json.dumps(value, sort_keys=True, cls=_Encoder))
    if cache_key not in cache:
        cache[cache_key] = target_model._default_manager.filter(**_resolve(entry, value, cache)).first()
    return cache[cache_key]


def _resolve(entry: BackupModel, values: dict, cache: dict) -> dict:
    resolved = {}
    for name, value in values.items():
        model_field = entry.model._meta.get_field(name)
        if isinstance(model_field, models.ForeignKey):
            if _entry_for(model_field.related_model) is None and _by_natural_field(model_field):
                resolved[model_field.attname] = value  # a synced row's SID, as written
            else:
                resolved[name] = _lookup(model_field, value, cache)
        elif value is None:
            resolved[name] = None
        else:
            resolved[model_field.attname] = model_field.to_python(value)
    return resolved


def read_header(line: str) -> dict:
    try:
        header = json.loads(line)
    except ValueError:
        raise BackupError("The file does not start with a backup header (not a local-data backup).") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise BackupError(f"Not a local-data backup of this dashboard (format {FORMAT!r} expected).")
    version = header.get("schema_version")
    if not isinstance(version, int):
        raise BackupError("The backup header has no schema version.")
    if version > SCHEMA_VERSION:
        raise BackupError(
            f"This backup was written with schema version {version}, newer than this installation's "
            f"({SCHEMA_VERSION}): upgrade Super SIM Admin before importing it. Nothing was imported."
        )
    return header


def import_lines(lines: Iterable[str]) -> dict[str, dict[str, int]]:
    """Import a backup (see the module's docstring) in one transaction; returns
    ``{label: {"created": n, "updated": m, "unchanged": k}}``. Raises :class:`BackupError` (nothing
    written) for a newer schema, a foreign format or a broken line."""
    iterator = iter(lines)
    first = next(iterator, None)
    if first is None:
        raise BackupError("The file is empty.")
    read_header(first)
    stats: dict[str, dict[str, int]] = {}
    cache: dict = {}
    with transaction.atomic():
        for number, line in enumerate(iterator, start=2):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                entry = _REGISTRY[row["model"]]
                key, fields = row["key"], row["fields"]
            except (ValueError, KeyError, TypeError):
                raise BackupError(
                    f"Line {number}: not a row of a known model; nothing was imported."
                ) from None
            counts = stats.setdefault(entry.label, {"created": 0, "updated": 0, "unchanged": 0})
            m2m = {name: fields.pop(name, []) for name in entry.m2m}
            fields = {k: v for k, v in fields.items() if k in entry.fields}
            lookup = _resolve(entry, key, cache)
            if any(
                v is None
                for k, v in lookup.items()
                if isinstance(entry.model._meta.get_field(k), models.ForeignKey)
            ):
                counts["unchanged"] += 1  # what it hangs on is not in the file nor here
                continue
            values = _resolve(entry, fields, cache)
            manager = entry.model._default_manager
            obj = manager.filter(**lookup).first()
            if obj is None:
                obj = entry.model(**lookup, **values)
                obj.save()
                counts["created"] += 1
            else:
                current = {k: getattr(obj, k) for k in values}
                if current == values:
                    counts["unchanged"] += 1
                else:
                    counts["updated"] += 1
            # auto_now / auto_now_add fields (in the key too: the audit log's timestamp) get the file's values
            manager.filter(pk=obj.pk).update(**lookup, **values)
            for name, keys in m2m.items():
                target = _entry_for(entry.model._meta.get_field(name).related_model)
                if target is None:
                    continue
                related = [
                    target.model._default_manager.filter(**_resolve(target, k, cache)).first() for k in keys
                ]
                getattr(obj, name).set([r for r in related if r is not None])
    return stats
