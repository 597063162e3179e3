"""Generic bulk upsert + sweep for synced resources (the sync engine's write path).

Per page of API items: ONE query (per 500 keys) loads the existing rows' keys and content hashes; new and
changed rows go through ONE ``INSERT ... ON CONFLICT DO UPDATE``; unchanged rows get ONE
``UPDATE ... SET last_seen_run_id`` (per 500 keys). No per-row queries, no per-row validation.
``sweep`` marks rows a complete run did not see as removed; nothing is ever deleted here.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connections, router, transaction
from django.db.models import Model
from django.db.models.constants import OnConflict

IN_CHUNK = 500  # keys per IN (...) list: stays under SQLite's historic 999-variable limit


@dataclass
class UpsertResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __add__(self, other: UpsertResult) -> UpsertResult:
        return UpsertResult(
            created=self.created + other.created,
            updated=self.updated + other.updated,
            unchanged=self.unchanged + other.unchanged,
        )

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def content_hash(raw: Any) -> str:
    """SHA-1 of the canonical JSON of ``raw`` (sorted keys, no whitespace)."""
    data = json.dumps(raw, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha1(data.encode(), usedforsecurity=False).hexdigest()


def _chunks(seq: Sequence, size: int = IN_CHUNK) -> Iterator[Sequence]:
    for i in range(0, len(seq), size):
        yield seq[i : i + size]


def _field_names(model: type[Model], names) -> list[str]:
    """Map row keys (field names or attnames such as ``fleet_id``) to field names."""
    return [model._meta.get_field(n).name for n in names]


def _has_field(model: type[Model], name: str) -> bool:
    try:
        model._meta.get_field(name)
    except Exception:  # noqa: BLE001 - FieldDoesNotExist
        return False
    return True


def _existing(model: type[Model], keys: tuple[str, ...], attnames: list[str], wanted: dict) -> dict:
    """{key tuple: (pk, content_hash, removed_at)} for the rows of ``wanted`` that exist already."""
    manager = model._default_manager
    has_removed = _has_field(model, "removed_at")
    cols = ["pk", *attnames, "content_hash"] + (["removed_at"] if has_removed else [])
    found: dict = {}
    if len(keys) == 1:
        values = [k[0] for k in wanted]
        for chunk in _chunks(values):
            for row in manager.filter(**{f"{keys[0]}__in": chunk}).values_list(*cols):
                found[(row[1],)] = (row[0], row[2], row[3] if has_removed else None)
        return found
    # composite key: filter each key field by its distinct values (a superset), chunk the widest one,
    # keep exact matches in Python.
    distinct = [sorted({k[i] for k in wanted}, key=str) for i in range(len(keys))]
    widest = max(range(len(keys)), key=lambda i: len(distinct[i]))
    n = len(keys)
    for chunk in _chunks(distinct[widest]):
        flt = {f"{keys[i]}__in": (chunk if i == widest else distinct[i]) for i in range(n)}
        for row in manager.filter(**flt).values_list(*cols):
            key = tuple(row[1 : 1 + n])
            if key in wanted:
                found[key] = (row[0], row[1 + n], row[2 + n] if has_removed else None)
    return found


_PREPARED_TYPES = {"JSONField", "DateTimeField", "DateField", "TimeField", "DecimalField", "UUIDField"}


def _insert_on_conflict(
    *, model: type[Model], rows: list[dict], stamp: dict, keys: tuple[str, ...], db: str
) -> None:
    """``INSERT ... VALUES (...), (...) ON CONFLICT (keys) DO UPDATE SET ...`` for a whole page.

    What ``bulk_create(update_conflicts=True)`` does, minus model instances and the per-value SQL compiler
    (which cost ~0.1 ms per row): values are adapted only for the field types that need it (JSON, dates,
    decimals); strings, numbers and booleans go to the driver as they are.
    """
    connection = connections[db]
    opts = model._meta
    present = {opts.get_field(n).attname: n for n in rows[0]}
    fields = [f for f in opts.concrete_fields if f is not opts.pk]
    getters: list[tuple[str | None, Any]] = []  # (row key, field to adapt with) or (None, constant)
    updated: list = []
    for f in fields:
        needs_prep = f.get_internal_type() in _PREPARED_TYPES
        if f.attname in stamp:
            value = stamp[f.attname]
            getters.append((None, f.get_db_prep_save(value, connection) if needs_prep else value))
            updated.append(f)
        elif f.attname in present:
            getters.append((present[f.attname], f if needs_prep else None))
            updated.append(f)
        else:  # not mapped: the default on insert, left alone on update
            getters.append((None, f.get_db_prep_save(f.get_default(), connection)))
    params: list = []
    for row in rows:
        for source, how in getters:
            if source is None:
                params.append(how)
            elif how is None:
                params.append(row.get(source))
            else:
                params.append(how.get_db_prep_save(row.get(source), connection))
    qn = connection.ops.quote_name
    unique_cols = [opts.get_field(k).column for k in keys]
    update_cols = [f.column for f in updated if f.column not in unique_cols]
    suffix = connection.ops.on_conflict_suffix_sql(fields, OnConflict.UPDATE, update_cols, unique_cols)
    row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
    columns = ", ".join(qn(f.column) for f in fields)
    head = f"INSERT INTO {qn(opts.db_table)} ({columns}) VALUES "  # noqa: S608 - quoted identifiers only
    width = len(fields)
    per_stmt = max(1, _max_params(connection) // width)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_stmt):
            n = min(per_stmt, len(rows) - start)
            cursor.execute(
                head + ", ".join([row_sql] * n) + " " + suffix, params[start * width : (start + n) * width]
            )


def _max_params(connection) -> int:
    """Parameters one statement may carry: SQLite's real limit (32766 since 3.32), PostgreSQL's 65535."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        return connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    if connection.vendor == "postgresql":
        return 65535
    return connection.features.max_query_params or 10000


def bulk_upsert(
    *,
    model: type[Model],
    rows: list[dict],
    run_id: int | None,
    now: datetime,
    key: str | Sequence[str] = "sid",
) -> UpsertResult:
    """Insert new rows, update changed (or previously removed) ones, stamp unchanged ones with ``run_id``.

    ``rows`` are dicts of model fields (FKs by attname, e.g. ``fleet_id``) including ``raw``; ``key`` is the
    unique field (or tuple of fields forming a unique constraint) identifying a row.
    """
    result = UpsertResult()
    if not rows:
        return result
    keys = (key,) if isinstance(key, str) else tuple(key)
    attnames = [model._meta.get_field(k).attname for k in keys]
    has_removed = _has_field(model, "removed_at")
    has_run = _has_field(model, "last_seen_run_id")

    wanted: dict[tuple, dict] = {}
    for row in rows:  # the last occurrence of a key in a page wins
        row = dict(row)
        row["content_hash"] = content_hash(row.get("raw"))
        wanted[tuple(row[a] if a in row else row[k] for a, k in zip(attnames, keys, strict=True))] = row

    db = router.db_for_write(model)
    with transaction.atomic(using=db):
        existing = _existing(model, keys, attnames, wanted)
        to_write: list[dict] = []
        unchanged_pks: list = []
        for k, row in wanted.items():
            old = existing.get(k)
            if old is None:
                result.created += 1
                to_write.append(row)
            elif old[1] != row["content_hash"] or old[2] is not None:
                result.updated += 1
                to_write.append(row)
            else:
                result.unchanged += 1
                unchanged_pks.append(old[0])

        if to_write:
            stamp: dict[str, Any] = {"synced_at": now}
            if has_removed:
                stamp["removed_at"] = None
            if has_run:
                stamp["last_seen_run_id"] = run_id
            _insert_on_conflict(model=model, rows=to_write, stamp=stamp, keys=keys, db=db)
        if unchanged_pks and has_run:
            for chunk in _chunks(unchanged_pks):
                model._default_manager.using(db).filter(pk__in=chunk).update(last_seen_run_id=run_id)
    return result


def upsert_one(*, model: type[Model], row: dict, now: datetime, key: str = "sid") -> Model:
    """Write one object from an API answer (UI path) and return the saved instance.

    Always writes (the caller holds fresh data); leaves ``last_seen_run_id`` alone so a running sync's
    bookkeeping is not disturbed.
    """
    row = dict(row)
    row["content_hash"] = content_hash(row.get("raw"))
    stamp: dict[str, Any] = {"synced_at": now}
    if _has_field(model, "removed_at"):
        stamp["removed_at"] = None
    names = set(_field_names(model, row.keys())) | set(stamp)
    update_fields = sorted(names - {key, model._meta.pk.name})
    db = router.db_for_write(model)
    with transaction.atomic(using=db):
        model._default_manager.using(db).bulk_create(
            [model(**row, **stamp)], update_conflicts=True, unique_fields=[key], update_fields=update_fields
        )
        return model._default_manager.using(db).get(**{key: row[key]})


def sweep(*, model: type[Model], run_id: int, now: datetime, **scope: Any) -> int:
    """Mark rows in ``scope`` that run ``run_id`` did not see as removed; return the count. Never deletes."""
    return (
        model._default_manager.filter(removed_at__isnull=True, **scope)
        .exclude(last_seen_run_id=run_id)
        .update(removed_at=now)
    )


def parse_dt(value: Any) -> datetime | None:
    """ISO-8601 string from the API -> aware datetime (``None`` for empty/invalid)."""
    if not value:
        return None
    if isinstance(value, datetime):
        return value
    from django.utils.dateparse import parse_datetime

    try:
        return parse_datetime(str(value))
    except ValueError:
        return None
