"""Generic bulk upsert + sweep for synced resources (the sync engine's write path).

Per page of API items: ONE query (per ``IN_CHUNK`` keys) loads the existing rows' keys and content hashes;
new and changed rows go through ONE ``INSERT ... ON CONFLICT DO UPDATE``. Unchanged rows cost nothing more:
with ``seen=`` (the sync engine) their keys are only remembered in memory for the sweep; without it they get
ONE ``UPDATE ... SET last_seen_run_id`` (per ``IN_CHUNK`` keys), the older mark-and-sweep. Each item's JSON is
serialised once: the same canonical text gives ``content_hash`` and is the value written to the JSON column.
``sweep`` marks rows a complete run did not see as removed; nothing is ever deleted here.

:class:`PagedUpsert` is the same for a whole sync run of the big resources (SIMs): the keys and hashes are
read once per run, and each page is prepared (hashed, compared, rows built) in a background thread while the
page before is written.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any, NamedTuple

import orjson
from django.db import IntegrityError, connections, router, transaction
from django.db.models import Model
from django.db.models.constants import OnConflict

IN_CHUNK = 1000  # keys per IN (...) list (a page); never more than the database's parameter limit
PG_COPY_MIN_ROWS = 250  # PostgreSQL: pages this big go through COPY + INSERT ... SELECT (_pg_copy_upsert)
SWEEP_CHUNK = 500  # primary keys per UPDATE of the sweep
SQLITE_SYNC_CACHE_KIB = 256 * 1024  # SQLite page cache during a sync run (memory, allocated as it is used)
SQLITE_SYNC_WAL_PAGES = 20000  # SQLite WAL checkpoint interval during a sync run (pages; default 1000)

_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
_ORJSON_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS


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


class JsonText(str):
    """Canonical JSON text of a value, already serialised: written to a JSON column as it is."""


def canonical_json(raw: Any) -> JsonText:
    """Canonical JSON of ``raw`` (sorted keys, no whitespace, UTF-8 as is).

    orjson (~1 us per item, 15x the standard library; same text for API data); the standard library for
    what orjson refuses (integers beyond 64 bits).
    """
    try:
        return JsonText(orjson.dumps(raw, default=str, option=_ORJSON_OPTIONS).decode())
    except orjson.JSONEncodeError:
        return JsonText(_ENCODER.encode(raw))


def _sha1(text: str) -> str:
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


def content_hash(raw: Any) -> str:
    """SHA-1 of the canonical JSON of ``raw`` (sorted keys, no whitespace)."""
    return _sha1(canonical_json(raw))


def _chunks(seq: Sequence, size: int) -> Iterator[Sequence]:
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


def _in_chunk(connection) -> int:
    return max(1, min(IN_CHUNK, _max_params(connection) - 10))


def _existing(model: type[Model], keys: tuple[str, ...], attnames: list[str], wanted: dict, db: str) -> dict:
    """{key tuple: (pk, content_hash, removed_at)} for the rows of ``wanted`` that exist already."""
    connection = connections[db]
    opts = model._meta
    has_removed = _has_field(model, "removed_at")
    found: dict = {}
    size = _in_chunk(connection)
    if len(keys) == 1:
        # plain SQL: the ORM's per-value lookup preparation costs ~10 ms per 1000 keys
        qn = connection.ops.quote_name
        cols = [opts.pk.column, opts.get_field(keys[0]).column, "content_hash"]
        if has_removed:
            cols.append(opts.get_field("removed_at").column)
        select = ", ".join(qn(c) for c in cols)
        values = [k[0] for k in wanted]
        table, column = qn(opts.db_table), qn(cols[1])
        with connection.cursor() as cursor:
            for chunk in _chunks(values, size):
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
    for chunk in _chunks(distinct[widest], size):
        flt = {f"{keys[i]}__in": (chunk if i == widest else distinct[i]) for i in range(n)}
        for row in manager.filter(**flt).values_list(*cols):
            key = tuple(row[1 : 1 + n])
            if key in wanted:
                found[key] = (row[0], row[1 + n], row[2 + n] if has_removed else None)
    return found


_PREPARED_TYPES = {"JSONField", "DateTimeField", "DateField", "TimeField", "DecimalField", "UUIDField"}


def _adapter(field, connection):
    """A function turning a row value into the driver parameter for ``field`` (None: pass as it is)."""
    kind = field.get_internal_type()
    if kind not in _PREPARED_TYPES:
        return None
    if kind == "JSONField" and connection.vendor in ("sqlite", "postgresql"):
        # already serialised text goes in as it is (a JSON text parameter is valid for both)
        def json_value(value, _field=field, _conn=connection):
            if isinstance(value, JsonText):
                return str(value)
            return _field.get_db_prep_save(value, _conn)

        return json_value
    if kind == "DateTimeField" and _plain_utc(connection):
        if connection.vendor == "sqlite":
            # what Django's SQLite adapter produces for an aware datetime, without its checks per value
            def sqlite_dt(value, _field=field, _conn=connection):
                if value.__class__ is datetime and value.tzinfo is UTC:  # the API's dates, parsed
                    return str(value)[:-6]  # "YYYY-MM-DD HH:MM:SS[.ffffff]" without "+00:00"
                if isinstance(value, datetime) and value.utcoffset() is not None:
                    return str(value.astimezone(UTC).replace(tzinfo=None))
                return _field.get_db_prep_save(value, _conn)

            return sqlite_dt
        if connection.vendor == "postgresql":

            def pg_dt(value, _field=field, _conn=connection):
                if value is None or (isinstance(value, datetime) and value.utcoffset() is not None):
                    return value  # psycopg adapts aware datetimes itself
                return _field.get_db_prep_save(value, _conn)

            return pg_dt

    def prepared(value, _field=field, _conn=connection):
        return _field.get_db_prep_save(value, _conn)

    return prepared


def _plain_utc(connection) -> bool:
    from django.conf import settings

    return bool(settings.USE_TZ) and connection.timezone_name == "UTC"


def _run_stamp(model: type[Model], *, now: datetime, run_id: int | None) -> dict[str, Any]:
    """The columns a sync run sets on every row it writes: ``synced_at``, ``removed_at`` cleared (a removed
    row seen again comes back) and ``last_seen_run_id``, where the model has them."""
    stamp: dict[str, Any] = {"synced_at": now}
    if _has_field(model, "removed_at"):
        stamp["removed_at"] = None
    if _has_field(model, "last_seen_run_id"):
        stamp["last_seen_run_id"] = run_id
    return stamp


def _insert_on_conflict(
    *,
    model: type[Model],
    rows: list[dict],
    stamp: dict,
    keys: tuple[str, ...],
    db: str,
    serialized: tuple[str, ...] = (),
) -> None:
    """``INSERT ... VALUES (...) ON CONFLICT (keys) DO UPDATE SET ...`` for a whole page (see
    :class:`_InsertPlan`)."""
    connection = connections[db]
    plan = _insert_plan(
        model=model, row_keys=rows[0], stamp=stamp, keys=keys, connection=connection, serialized=serialized
    )
    plan.execute(connection, plan.params(rows))


@dataclass(frozen=True)
class _InsertPlan:
    """The ``INSERT ... ON CONFLICT DO UPDATE`` of rows that have a given set of keys, and how to turn such a
    row into its statement parameters.

    What ``bulk_create(update_conflicts=True)`` does, minus model instances and the per-value SQL compiler
    (which cost ~0.1 ms per row): values are adapted only for the field types that need it (JSON, dates,
    decimals); strings, numbers and booleans go to the driver as they are; ``serialized`` JSON fields take
    JSON text as it is. Built once and used for every page; :meth:`params` is pure Python (no database
    access: :class:`PagedUpsert` runs it in a background thread), :meth:`execute` writes.

    SQLite gets multi-row ``VALUES`` lists (a page of 1000 SIMs in one statement, up to its parameter
    limit): the whole page is written in ONE ``sqlite3_step``, during which the driver releases the GIL, so
    the prefetch threads hash and build the next page meanwhile. ``executemany`` released and re-took the
    GIL for every row, a convoy with those threads: 100k new SIMs, prepared in a thread, took 3.9 s that way
    and 2.7 s this way (the statement text is the same for every full page: the driver's statement cache
    parses it once). PostgreSQL gets ``COPY`` (big pages) or the same ``VALUES`` lists (one round trip).
    """

    table: str
    columns: list[str]
    sourced: list[str]  # row keys, in column order, then the constants
    adapted: list[tuple[int, Any]]  # (position in ``sourced``, adapter)
    constants: tuple
    head: str
    row_sql: str
    suffix: str
    #: SQL condition "the stored row differs from the proposed one" (content hash, removed mark), or ""
    different: str = ""

    def params(self, rows: list[dict]) -> list[tuple]:
        return _row_params(rows, self.sourced, self.adapted, self.constants)

    def insert(self, connection, params: list[tuple]) -> None:
        """Rows expected to be new: a plain ``INSERT`` (PostgreSQL: ``COPY`` straight into the table, no
        temporary table, no conflict check: 100k new SIMs, c/b 1.04 -> 0.91 in bench/sync.py). If one
        exists after all (written meanwhile, e.g. by onboarding), the savepoint is rolled back and the rows
        go through :meth:`execute`, the upsert."""
        if not params:
            return
        try:
            with transaction.atomic(using=connection.alias):
                self._write(connection, params, suffix="")  # no ON CONFLICT: a plain INSERT
        except IntegrityError:
            self.execute(connection, params)

    def execute(self, connection, params: list[tuple], *, if_different: bool = False) -> int:
        """The upsert; returns the rows written. ``if_different``: an existing row is updated only if
        its content hash differs or it is marked removed (the ``different`` condition of the plan)."""
        suffix = self.suffix
        if if_different and self.different:
            suffix = f"{suffix} WHERE {self.different}"
        return self._write(connection, params, suffix=suffix)

    def _write(self, connection, params: list[tuple], *, suffix: str) -> int:
        if not params:
            return 0
        if connection.vendor == "postgresql" and len(params) >= PG_COPY_MIN_ROWS:
            if suffix:
                return _pg_copy_upsert(connection, self.table, self.columns, params, suffix)
            with connection.cursor() as cursor:
                _pg_copy(connection, cursor, self.table, self.columns, params)
            return len(params)
        flat: list = []
        for row in params:
            flat.extend(row)
        width = len(self.columns)
        per_stmt = max(1, _max_params(connection) // width)
        written = 0
        with connection.cursor() as cursor:
            for start in range(0, len(params), per_stmt):
                n = min(per_stmt, len(params) - start)
                cursor.execute(
                    self.head + ", ".join([self.row_sql] * n) + " " + suffix,
                    flat[start * width : (start + n) * width],
                )
                written += cursor.rowcount
        return written


def _insert_plan(
    *,
    model: type[Model],
    row_keys: Iterable[str],
    stamp: dict,
    keys: tuple[str, ...],
    connection,
    serialized: tuple[str, ...] = (),
) -> _InsertPlan:
    """The plan for rows with ``row_keys`` (field names or attnames), ``stamp`` (attname -> value, the same
    for every row) and the unique ``keys``. Reads only the model's metadata and the connection's
    operations: no query."""
    opts = model._meta
    present = {opts.get_field(n).attname: n for n in row_keys}
    # columns filled from the rows first, then the constants (stamp, defaults): see _row_params
    sourced: list[tuple[Any, str, Any]] = []  # (field, row key, adapter or None)
    constant: list[tuple[Any, Any]] = []  # (field, parameter)
    updated: list = []
    for f in opts.concrete_fields:
        if f is opts.pk:
            continue
        if f.attname in stamp:
            value = stamp[f.attname]
            adapt = _adapter(f, connection)
            constant.append((f, adapt(value) if adapt else value))
            updated.append(f)
        elif f.attname in present:
            key = present[f.attname]
            sourced.append((f, key, None if key in serialized else _adapter(f, connection)))
            updated.append(f)
        else:  # not mapped: the default on insert, left alone on update
            constant.append((f, f.get_db_prep_save(f.get_default(), connection)))
    fields = [f for f, _, _ in sourced] + [f for f, _ in constant]
    qn = connection.ops.quote_name
    unique_cols = [opts.get_field(k).column for k in keys]
    update_cols = [f.column for f in updated if f.column not in unique_cols]
    columns = [f.column for f in fields]
    return _InsertPlan(
        table=opts.db_table,
        columns=columns,
        sourced=[key for _, key, _ in sourced],
        adapted=[(i, how) for i, (_, _, how) in enumerate(sourced) if how is not None],
        constants=tuple(value for _, value in constant),
        # quoted identifiers only
        head=f"INSERT INTO {qn(opts.db_table)} ({', '.join(qn(c) for c in columns)}) VALUES ",  # noqa: S608
        row_sql="(" + ", ".join(["%s"] * len(fields)) + ")",
        suffix=connection.ops.on_conflict_suffix_sql(fields, OnConflict.UPDATE, update_cols, unique_cols),
        different=_different_sql(model, connection),
    )


def _different_sql(model: type[Model], connection) -> str:
    """``ON CONFLICT ... DO UPDATE ... WHERE`` condition: the stored row's content hash is not the one
    proposed (``EXCLUDED``), or the row is marked removed (seen again, it comes back). "" without a hash."""
    if not _has_field(model, "content_hash"):
        return ""
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    digest = qn(model._meta.get_field("content_hash").column)
    distinct = "IS NOT" if connection.vendor == "sqlite" else "IS DISTINCT FROM"  # NULL-safe <>
    condition = f"{table}.{digest} {distinct} EXCLUDED.{digest}"
    if _has_field(model, "removed_at"):
        condition += f" OR {table}.{qn(model._meta.get_field('removed_at').column)} IS NOT NULL"
    return condition


def _pg_copy_upsert(connection, table: str, columns: list[str], params: list[tuple], suffix: str) -> int:
    """PostgreSQL: ``COPY`` the page into a session-private temporary table, then ONE
    ``INSERT ... SELECT ... ON CONFLICT DO UPDATE`` from it.

    A 1000-row ``VALUES`` list has ~14,000 placeholders, which psycopg's client-side binding parses in
    Python at every page (~0.1 s); COPY streams the rows without any SQL per row. The temporary table has
    the target's column types and no constraints; it is emptied before each page.
    """
    qn = connection.ops.quote_name
    tmp = qn(f"_upsert_{table}")
    cols = ", ".join(qn(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {tmp} AS "  # noqa: S608 - quoted identifiers only
            f"SELECT {cols} FROM {qn(table)} WITH NO DATA"
        )
        cursor.execute(f"TRUNCATE {tmp}")
        _pg_copy(connection, cursor, f"_upsert_{table}", columns, params)
        cursor.execute(f"INSERT INTO {qn(table)} ({cols}) SELECT {cols} FROM {tmp} {suffix}")  # noqa: S608
        return cursor.rowcount


def _pg_copy(connection, cursor, table: str, columns: list[str], params: list[tuple]) -> None:
    """``COPY table (columns) FROM STDIN`` of ``params``, through the psycopg cursor under Django's wrapper
    (which has no COPY): same connection, same transaction; its errors raised as Django's (IntegrityError,
    DataError...), as the wrapper would."""
    qn = connection.ops.quote_name
    sql = f"COPY {qn(table)} ({', '.join(qn(c) for c in columns)}) FROM STDIN"
    with connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
        for row in params:
            copy.write_row(row)


def _row_params(rows: list[dict], keys: list[str], adapted: list[tuple[int, Any]], constants: tuple) -> list:
    """Each row's statement parameters: its values under ``keys`` (adapted at the ``adapted`` positions),
    then the ``constants``. One C-level ``itemgetter`` call per row instead of a Python step per value."""
    if not keys:
        return [constants for _ in rows]
    get = itemgetter(*keys)
    single = len(keys) == 1
    out = []
    append = out.append
    for row in rows:
        try:
            values = get(row)
        except KeyError:  # a row without some key: None for it, as dict.get would
            values = tuple(row.get(k) for k in keys) if not single else row.get(keys[0])
        if single:
            values = (values,)
        if adapted:
            values = list(values)
            for i, how in adapted:
                values[i] = how(values[i])
        append((*values, *constants))
    return out


def _max_params(connection) -> int:
    """Parameters one statement may carry: SQLite's real limit (32766 since 3.32), PostgreSQL's 65535."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        return connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    if connection.vendor == "postgresql":
        return 65535
    return connection.features.max_query_params or 10000


def _key_of(keys: tuple) -> Any:
    """The key as the sweep compares it: the value for a one-field key, the tuple for a composite one."""
    return keys[0] if len(keys) == 1 else keys


def bulk_upsert(
    *,
    model: type[Model],
    rows: list[dict] | None = None,
    run_id: int | None,
    now: datetime,
    key: str | Sequence[str] = "sid",
    seen: set | None = None,
    items: list[dict] | None = None,
    to_row: Callable[[dict], dict] | None = None,
) -> UpsertResult:
    """Insert new rows and update changed (or previously removed) ones, stamped with ``run_id``.

    ``rows`` are dicts of model fields (FKs by attname, e.g. ``fleet_id``) including ``raw``; ``key`` is the
    unique field (or tuple of fields forming a unique constraint) identifying a row. Or, for a one-field
    key found in the API items under the same name (``sid``): ``items`` (the API's dicts, which are ``raw``)
    and ``to_row`` (item -> row dict), called only for new and changed items - an
    unchanged item costs its hash and nothing else.

    Unchanged rows: with ``seen`` (a set kept by the caller for the whole run) the page's keys are added to
    it and nothing is written - :func:`sweep` then takes the same set; without ``seen`` they are stamped
    with ``run_id`` (one UPDATE per chunk) for a ``run_id``-based sweep.
    """
    result = UpsertResult()
    if not rows and not items:
        return result
    keys = (key,) if isinstance(key, str) else tuple(key)
    attnames = [model._meta.get_field(k).attname for k in keys]
    has_run = _has_field(model, "last_seen_run_id")

    # key -> [row or item, canonical JSON text, content hash]; the last occurrence of a key in a page wins
    wanted: dict[tuple, list] = {}
    if items is not None:
        if to_row is None or len(keys) != 1:
            raise ValueError("items= needs to_row= and a one-field key")
        for item in items:
            text = str(canonical_json(item))
            wanted[(item[keys[0]],)] = [item, text, _sha1(text)]
    else:
        for row in rows:
            text = str(canonical_json(row.get("raw")))
            k = tuple(row[a] if a in row else row[k] for a, k in zip(attnames, keys, strict=True))
            wanted[k] = [row, text, _sha1(text)]

    db = router.db_for_write(model)
    existing = _existing(model, keys, attnames, wanted, db)
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
        row = to_row(source) if items is not None else dict(source)
        row["raw"] = text  # serialised once: hashed above, written as it is (serialized=("raw",))
        row["content_hash"] = digest
        to_write.append(row)

    stamp_unchanged = bool(unchanged_pks) and has_run and seen is None
    if to_write or stamp_unchanged:
        with transaction.atomic(using=db):
            if to_write:
                _insert_on_conflict(
                    model=model,
                    rows=to_write,
                    stamp=_run_stamp(model, now=now, run_id=run_id),
                    keys=keys,
                    db=db,
                    serialized=("raw",),
                )
            if stamp_unchanged:
                manager = model._default_manager.using(db)
                for chunk in _chunks(unchanged_pks, _in_chunk(connections[db])):
                    manager.filter(pk__in=chunk).update(last_seen_run_id=run_id)
    if seen is not None:
        seen.update(_key_of(k) for k in wanted)
    return result


class PreparedPage(NamedTuple):
    """A page made ready by :meth:`PagedUpsert.prepare`: what to write and what was seen."""

    plan: _InsertPlan | None  # None: nothing to write
    new: list[tuple]  # the statement parameters of the rows the run did not find
    changed: list[tuple]  # ... of the rows it found with another content (or removed)
    keys: list  # every key of the page (for the sweep)
    result: UpsertResult


class PagedUpsert:
    """One sync run's upsert of API items into ``model`` (one-field ``key`` found in the items), page by
    page, in two halves: :meth:`prepare` (pure Python, meant for a background thread) and :meth:`write`
    (the database, in the caller's thread).

    It does what :func:`bulk_upsert` does with ``items=``, ``to_row=`` and ``seen=`` for each page, but reads
    the table's keys and content hashes ONCE, when the run starts (``known``), instead of once per page, so
    that ``prepare`` can tell new, changed and unchanged items apart and build the statement parameters of
    the new and changed ones without the database - while the page before is being written. ``write`` is
    then only SQL: a plain insert of the new rows (:meth:`_InsertPlan.insert`) and the upsert of the changed
    ones, during which the driver releases the GIL, so the next page's hashing and row building run
    meanwhile (100k new SIMs: the writing thread's Python fell from ~1.3 s to almost nothing).

    ``known`` is the table as the run found it (the lock keeps other syncs of the resource away); a row the
    UI writes meanwhile is compared with its state at the start, as a page fetched before that write would
    be. Memory: a key and a 40-character hash per row (~25 MB for 100k SIMs), like ``seen``.
    """

    def __init__(
        self,
        *,
        model: type[Model],
        to_row: Callable[[dict], dict],
        run_id: int | None,
        now: datetime,
        seen: set,
        key: str = "sid",
    ):
        self.model, self.to_row, self.key, self.seen = model, to_row, key, seen
        self.db = router.db_for_write(model)
        self.connection = connections[self.db]
        has_removed = _has_field(model, "removed_at")
        self.stamp = _run_stamp(model, now=now, run_id=run_id)
        # key -> content hash of the row, or None where it is marked removed (a removed row seen again is
        # written: it comes back). Plain SQL, one fetch: the ORM's iterator costs ~1 us a row more, and the
        # run waits for this before its first page is prepared
        qn = self.connection.ops.quote_name
        opts = model._meta
        digest = qn(opts.get_field("content_hash").column)
        if has_removed:
            digest = f"CASE WHEN {qn(opts.get_field('removed_at').column)} IS NULL THEN {digest} END"
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {qn(opts.get_field(key).column)}, {digest} FROM {qn(opts.db_table)}"  # noqa: S608
            )
            self.known: dict = dict(cursor.fetchall())
        self._plans: dict[frozenset, _InsertPlan] = {}

    def _plan(self, row: dict) -> _InsertPlan:
        shape = frozenset(row)
        plan = self._plans.get(shape)
        if plan is None:
            plan = self._plans[shape] = _insert_plan(
                model=self.model,
                row_keys=row,
                stamp=self.stamp,
                keys=(self.key,),
                connection=self.connection,
                serialized=("raw",),
            )
        return plan

    def prepare(self, items: list[dict]) -> PreparedPage:
        """Hash each item, compare it with ``known``, and build the rows of new and changed items (the last
        occurrence of a key in a page wins). No database access."""
        key, known, to_row = self.key, self.known, self.to_row
        page = {item[key]: item for item in items}
        new: list[dict] = []
        changed: list[dict] = []
        unchanged = 0
        for k, item in page.items():
            text = str(canonical_json(item))
            digest = _sha1(text)
            if k in known:
                if known[k] == digest:
                    unchanged += 1
                    continue
                rows = changed
            else:
                rows = new
            known[k] = digest  # the same key later in the run compares with what this page writes
            row = to_row(item)
            row["raw"] = text  # serialised once: hashed above, written as it is
            row["content_hash"] = digest
            rows.append(row)
        result = UpsertResult(created=len(new), updated=len(changed), unchanged=unchanged)
        if not new and not changed:
            return PreparedPage(None, [], [], list(page), result)
        # the columns of the first row, as bulk_upsert (a to_row function gives one shape)
        plan = self._plan((new or changed)[0])
        return PreparedPage(plan, plan.params(new), plan.params(changed), list(page), result)

    def unseen(self) -> list:
        """The keys that were live when the run started and that no page has had so far (the sweep's
        candidates: ``sweep(candidates=...)``)."""
        seen = self.seen
        return [k for k, digest in self.known.items() if digest is not None and k not in seen]

    def write(self, page: PreparedPage) -> UpsertResult:
        """Write a prepared page (in the caller's transaction) and remember its keys for the sweep.

        A changed item whose row already holds exactly its content (written after the run read the table:
        a rename through the UI stores the API's answer) is left alone and counted unchanged: the run did
        not change it, and a pass that changed nothing leaves the cached SIM counts alone."""
        result = page.result
        if page.plan is not None:
            with transaction.atomic(using=self.db):
                page.plan.insert(self.connection, page.new)
                written = page.plan.execute(self.connection, page.changed, if_different=True)
            if written < result.updated:
                same = result.updated - written
                result = UpsertResult(result.created, written, result.unchanged + same)
        self.seen.update(page.keys)
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


def sweep(
    *,
    model: type[Model],
    run_id: int,
    now: datetime,
    seen: set | None = None,
    key: str | Sequence[str] = "sid",
    candidates: Iterable | None = None,
    **scope: Any,
) -> int:
    """Mark rows in ``scope`` that run ``run_id`` did not see as removed; return the count. Never deletes.

    With ``seen`` (the keys :func:`bulk_upsert` collected over the whole run): one streamed query of the
    live rows' keys, the set difference in memory, and the missing rows marked in chunked UPDATEs. Without
    it: rows not stamped with ``run_id``. With ``seen``, rows written after the run started (``synced_at``
    later than ``now``, the run's start: e.g. by the UI path while the run was paging) are left alone too,
    and so are the rows stamped with ``run_id`` (written by this run, so seen) without being read.

    ``candidates`` (one-field key, with ``seen``): the keys that were live in ``scope`` when the run started
    and that it did not see (:meth:`PagedUpsert.unseen`) - only they are looked at, no live row is read
    (a table scan of 100k SIMs otherwise: ~0.3 s of a ~3.5 s no-change re-sync). Rows that came live
    since were either seen or written after the start, so the outcome is the same.

    Call it only after every page of the run succeeded while the lock was held (``apps.sync.services``).
    """
    live = model._default_manager.filter(removed_at__isnull=True, **scope)
    if seen is None:
        return live.exclude(last_seen_run_id=run_id).update(removed_at=now)
    live = live.exclude(synced_at__gt=now)
    if candidates is not None:
        field = model._meta.get_field(key).attname
        missing = [k for k in candidates if k not in seen]
        return sum(
            live.filter(**{f"{field}__in": chunk}).update(removed_at=now)
            for chunk in _chunks(missing, SWEEP_CHUNK)
        )
    if _has_field(model, "last_seen_run_id"):
        # rows this run wrote carry its id: they were seen, and need not be read back (after a first full
        # sync into an empty table that is every row; after a no-change re-sync, none)
        live = live.exclude(last_seen_run_id=run_id)
    keys = (key,) if isinstance(key, str) else tuple(key)
    attnames = [model._meta.get_field(k).attname for k in keys]
    missing: list = []
    if len(keys) == 1:
        for pk, value in live.values_list("pk", attnames[0]).iterator(chunk_size=5000):
            if value not in seen:
                missing.append(pk)
    else:
        for pk, *values in live.values_list("pk", *attnames).iterator(chunk_size=5000):
            if tuple(values) not in seen:
                missing.append(pk)
    removed = 0
    manager = model._default_manager
    for chunk in _chunks(missing, SWEEP_CHUNK):
        removed += manager.filter(pk__in=chunk, removed_at__isnull=True).update(removed_at=now)
    return removed


@contextlib.contextmanager
def relaxed_durability(using: str = "default") -> Iterator[None]:
    """Session settings for a sync run, restored after.

    Commits do not wait for the disk (at worst, after a power loss, the last pages written are lost and the
    next run writes them again - never an inconsistent row): PostgreSQL ``synchronous_commit = off``;
    SQLite in WAL mode ``PRAGMA synchronous = NORMAL`` (the WAL is synced at checkpoints, not at each
    commit) and checkpoints the WAL every ``SQLITE_SYNC_WAL_PAGES`` pages instead of every 1000 (a page of
    1000 random SIDs dirties hundreds of index pages). SQLite also gets a bigger page cache
    (``SQLITE_SYNC_CACHE_KIB``): random SID inserts into 100k-row indexes otherwise re-read the same pages.
    """
    connection = connections[using]
    vendor = connection.vendor
    if connection.in_atomic_block or vendor not in ("sqlite", "postgresql"):
        yield
        return
    restore: list[tuple[str, list]] = []
    with connection.cursor() as cursor:
        if vendor == "sqlite":
            cursor.execute("PRAGMA cache_size")
            restore.append((f"PRAGMA cache_size = {int(cursor.fetchone()[0])}", []))
            cursor.execute(f"PRAGMA cache_size = {-int(SQLITE_SYNC_CACHE_KIB)}")
            cursor.execute("PRAGMA journal_mode")
            if (
                str(cursor.fetchone()[0]).lower() == "wal"
            ):  # (a rollback journal stays FULL: NORMAL is unsafe)
                cursor.execute("PRAGMA synchronous")
                restore.append((f"PRAGMA synchronous = {int(cursor.fetchone()[0])}", []))
                cursor.execute("PRAGMA synchronous = NORMAL")
                cursor.execute("PRAGMA wal_autocheckpoint")
                restore.append((f"PRAGMA wal_autocheckpoint = {int(cursor.fetchone()[0])}", []))
                cursor.execute(f"PRAGMA wal_autocheckpoint = {int(SQLITE_SYNC_WAL_PAGES)}")
        else:
            cursor.execute("SHOW synchronous_commit")
            restore.append(("SELECT set_config('synchronous_commit', %s, false)", [cursor.fetchone()[0]]))
            cursor.execute("SELECT set_config('synchronous_commit', 'off', false)")
    try:
        yield
    finally:
        if restore and connection.connection is not None:
            with contextlib.suppress(Exception), connection.cursor() as cursor:
                for sql, params in restore:
                    cursor.execute(sql, params)


def parse_dt(value: Any) -> datetime | None:
    """ISO-8601 string from the API -> aware datetime (``None`` for empty/invalid)."""
    if not value:
        return None
    if isinstance(value, datetime):
        return value
    value = str(value)
    if len(value) == 20 and value[-1] == "Z" and value[10] == "T":  # the API's YYYY-MM-DDTHH:MM:SSZ
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    from django.utils.dateparse import parse_datetime

    try:
        parsed = parse_datetime(value)
    except ValueError:
        return None
    return parsed
