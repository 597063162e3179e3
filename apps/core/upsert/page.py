"""One page of API rows into a table: :func:`bulk_upsert` (the sync's pages of every resource but SIMs) and
:func:`upsert_one` (one object from an API answer, the UI path)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connections, router, transaction
from django.db.models import Model

from .hashing import canonical_json, content_hash, sha1_hex
from .statements import chunks, field_names, has_field, in_chunk, insert_plan, run_stamp


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


def key_of(keys: tuple) -> Any:
    """The key as the sweep compares it: the value for a one-field key, the tuple for a composite one."""
    return keys[0] if len(keys) == 1 else keys


def existing_rows(
    model: type[Model], keys: tuple[str, ...], attnames: list[str], wanted: dict, db: str
) -> dict:
    """{key tuple: (pk, content_hash, removed_at)} for the rows of ``wanted`` that exist already."""
    connection = connections[db]
    opts = model._meta
    has_removed = has_field(model, "removed_at")
    found: dict = {}
    size = in_chunk(connection)
    if len(keys) == 1:
        # plain SQL: no ORM lookup preparation per value
        qn = connection.ops.quote_name
        cols = [opts.pk.column, opts.get_field(keys[0]).column, "content_hash"]
        if has_removed:
            cols.append(opts.get_field("removed_at").column)
        select = ", ".join(qn(c) for c in cols)
        values = [k[0] for k in wanted]
        table, column = qn(opts.db_table), qn(cols[1])
        with connection.cursor() as cursor:
            for chunk in chunks(values, size):
                if connection.vendor == "postgresql":
                    # one array parameter: psycopg's client-side binding parses 1000 placeholders in Python
                    sql, params = f"{column} = ANY(%s)", [list(chunk)]
                else:
                    sql, params = f"{column} IN ({', '.join(['%s'] * len(chunk))})", list(chunk)
                cursor.execute(f"SELECT {select} FROM {table} WHERE {sql}", params)  # noqa: S608
                for row in cursor.fetchall():
                    found[(row[1],)] = (row[0], row[2], row[3] if has_removed else None)
        return found
    # composite key: filter each key field by its distinct values (a superset), chunk the widest one,
    # keep exact matches in Python.
    manager = model._default_manager.using(db)
    cols = ["pk", *attnames, "content_hash"] + (["removed_at"] if has_removed else [])
    distinct = [sorted({k[i] for k in wanted}, key=str) for i in range(len(keys))]
    widest = max(range(len(keys)), key=lambda i: len(distinct[i]))
    n = len(keys)
    for chunk in chunks(distinct[widest], size):
        flt = {f"{keys[i]}__in": (chunk if i == widest else distinct[i]) for i in range(n)}
        for row in manager.filter(**flt).values_list(*cols):
            key = tuple(row[1 : 1 + n])
            if key in wanted:
                found[key] = (row[0], row[1 + n], row[2 + n] if has_removed else None)
    return found


def bulk_upsert(
    *,
    model: type[Model],
    rows: list[dict] | None = None,
    run_id: int | None,
    now: datetime,
    key: str | Sequence[str] = "sid",
    seen: set | None = None,
) -> UpsertResult:
    """Insert new rows and update changed (or previously removed) ones, stamped with ``run_id``.

    ``rows`` are dicts of model fields (FKs by attname, e.g. ``fleet_id``) including ``raw``; ``key`` is the
    unique field (or tuple of fields forming a unique constraint) identifying a row. ONE query (per
    ``IN_CHUNK`` keys) reads the existing rows' keys and content hashes; new and changed rows are written by
    ONE ``INSERT ... ON CONFLICT DO UPDATE``; each row's ``raw`` is serialised once, and the same text is
    hashed and written.

    Unchanged rows: with ``seen`` (a set kept by the caller for the whole run) the page's keys are added to
    it and nothing is written - :func:`sweep` then takes the same set; without ``seen`` they are stamped
    with ``run_id`` (one UPDATE per chunk) for a ``run_id``-based sweep.
    """
    result = UpsertResult()
    if not rows:
        return result
    keys = (key,) if isinstance(key, str) else tuple(key)
    attnames = [model._meta.get_field(k).attname for k in keys]
    has_run = has_field(model, "last_seen_run_id")

    # key -> [row or item, canonical JSON text, content hash]; the last occurrence of a key in a page wins
    wanted: dict[tuple, list] = {}
    for row in rows:
        text = str(canonical_json(row.get("raw")))
        k = tuple(row[a] if a in row else row[k] for a, k in zip(attnames, keys, strict=True))
        wanted[k] = [row, text, sha1_hex(text)]

    db = router.db_for_write(model)
    existing = existing_rows(model, keys, attnames, wanted, db)
    to_write: list[dict] = []
    unchanged_pks: list = []
    for k, (source, text, digest) in wanted.items():
        old = existing.get(k)
        if old is not None and old[1] == digest and old[2] is None:
            result.unchanged += 1
            unchanged_pks.append(old[0])
            continue
        if old is None:
            result.created += 1
        else:
            result.updated += 1
        row = dict(source)
        row["raw"] = text  # serialised once: hashed above, written as it is (serialized=("raw",))
        row["content_hash"] = digest
        to_write.append(row)

    stamp_unchanged = bool(unchanged_pks) and has_run and seen is None
    if to_write or stamp_unchanged:
        with transaction.atomic(using=db):
            if to_write:
                connection = connections[db]
                plan = insert_plan(
                    model=model,
                    row_keys=to_write[0],
                    stamp=run_stamp(model, now=now, run_id=run_id),
                    keys=keys,
                    connection=connection,
                    serialized=("raw",),
                )
                plan.execute(connection, plan.params(to_write))
            if stamp_unchanged:
                manager = model._default_manager.using(db)
                for chunk in chunks(unchanged_pks, in_chunk(connections[db])):
                    manager.filter(pk__in=chunk).update(last_seen_run_id=run_id)
    if seen is not None:
        seen.update(key_of(k) for k in wanted)
    return result


def upsert_one(*, model: type[Model], row: dict, now: datetime, key: str = "sid") -> Model:
    """Write one object from an API answer (UI path) and return the saved instance.

    Always writes (the caller holds fresh data); leaves ``last_seen_run_id`` alone so a running sync's
    bookkeeping is not disturbed.
    """
    row = dict(row)
    row["content_hash"] = content_hash(row.get("raw"))
    stamp: dict[str, Any] = {"synced_at": now}
    if has_field(model, "removed_at"):
        stamp["removed_at"] = None
    names = set(field_names(model, row.keys())) | set(stamp)
    update_fields = sorted(names - {key, model._meta.pk.name})
    db = router.db_for_write(model)
    with transaction.atomic(using=db):
        model._default_manager.using(db).bulk_create(
            [model(**row, **stamp)], update_conflicts=True, unique_fields=[key], update_fields=update_fields
        )
        return model._default_manager.using(db).get(**{key: row[key]})
