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
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connections, router, transaction
from django.db.models import Model

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


@contextmanager
def _sqlite_full_param_limit(connection) -> Iterator[None]:
    """Let ``bulk_create`` send a whole page as one statement on SQLite.

    Django 5.2 assumes SQLite's old compile-time limit of 999 variables and splits a 1000-row insert into
    ~80 statements; SQLite >= 3.32 allows 32766 (Django 6 reads the real limit the same way).
    """
    if connection.vendor != "sqlite":
        yield
        return
    connection.ensure_connection()
    limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    features = connection.features
    had_own = "max_query_params" in features.__dict__
    previous = features.__dict__.get("max_query_params")
    features.max_query_params = max(limit, 999)
    try:
        yield
    finally:
        if had_own:
            features.max_query_params = previous
        else:
            del features.max_query_params


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
            objs = [model(**row, **stamp) for row in to_write]
            names = set(_field_names(model, to_write[0].keys())) | set(stamp)
            update_fields = sorted(names - set(keys) - {model._meta.pk.name})
            with _sqlite_full_param_limit(connections[db]):
                model._default_manager.using(db).bulk_create(
                    objs, update_conflicts=True, unique_fields=list(keys), update_fields=update_fields
                )
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
