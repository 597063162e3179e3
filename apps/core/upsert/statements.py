"""Building and running the SQL of an upsert: ``INSERT ... ON CONFLICT DO UPDATE`` (multi-row ``VALUES``,
or PostgreSQL ``COPY``), plain inserts, and the metadata helpers the other modules share. No ORM per row."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Model
from django.db.models.constants import OnConflict

from .hashing import JsonText

IN_CHUNK = 1000  # keys per IN (...) list (a page); never more than the database's parameter limit
PG_COPY_MIN_ROWS = 250  # PostgreSQL: pages this big go through COPY + INSERT ... SELECT (pg_copy_upsert)


def chunks(seq: Sequence, size: int) -> Iterator[Sequence]:
    for i in range(0, len(seq), size):
        yield seq[i : i + size]


def field_names(model: type[Model], names) -> list[str]:
    """Map row keys (field names or attnames such as ``fleet_id``) to field names."""
    return [model._meta.get_field(n).name for n in names]


def has_field(model: type[Model], name: str) -> bool:
    try:
        model._meta.get_field(name)
    except Exception:  # noqa: BLE001 - FieldDoesNotExist
        return False
    return True


def in_chunk(connection) -> int:
    return max(1, min(IN_CHUNK, max_params(connection) - 10))


def max_params(connection) -> int:
    """Parameters one statement may carry: SQLite's real limit (32766 since 3.32), PostgreSQL's 65535."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        return connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    if connection.vendor == "postgresql":
        return 65535
    return connection.features.max_query_params or 10000


def run_stamp(model: type[Model], *, now: datetime, run_id: int | None) -> dict[str, Any]:
    """The columns a sync run sets on every row it writes: ``synced_at``, ``removed_at`` cleared (a removed
    row seen again comes back) and ``last_seen_run_id``, where the model has them."""
    stamp: dict[str, Any] = {"synced_at": now}
    if has_field(model, "removed_at"):
        stamp["removed_at"] = None
    if has_field(model, "last_seen_run_id"):
        stamp["last_seen_run_id"] = run_id
    return stamp


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


@dataclass(frozen=True)
class InsertPlan:
    """The ``INSERT ... ON CONFLICT DO UPDATE`` of rows that have a given set of keys, and how to turn such a
    row into its statement parameters.

    What ``bulk_create(update_conflicts=True)`` does, minus model instances and the per-value SQL compiler
    (the bulk of its cost per row): values are adapted only for the field types that need it (JSON, dates,
    decimals); strings, numbers and booleans go to the driver as they are; ``serialized`` JSON fields take
    JSON text as it is. Built once and used for every page; :meth:`params` is pure Python (no database
    access: :class:`PagedUpsert` runs it in a background thread), :meth:`execute` writes.

    SQLite gets multi-row ``VALUES`` lists (a page of 1000 SIMs in one statement, up to its parameter
    limit): the whole page is written in ONE ``sqlite3_step``, during which the driver releases the GIL, so
    the prefetch threads hash and build the next page meanwhile (``executemany`` releases and re-takes the
    GIL for every row, a convoy with those threads; the statement text is the same for every full page, so
    the driver's statement cache parses it once). PostgreSQL gets ``COPY`` (big pages) or the same
    ``VALUES`` lists (one round trip).
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
        temporary table, no conflict check). If one
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
        per_stmt = max(1, max_params(connection) // width)
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


def insert_plan(
    *,
    model: type[Model],
    row_keys: Iterable[str],
    stamp: dict,
    keys: tuple[str, ...],
    connection,
    serialized: tuple[str, ...] = (),
) -> InsertPlan:
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
    return InsertPlan(
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
    if not has_field(model, "content_hash"):
        return ""
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    digest = qn(model._meta.get_field("content_hash").column)
    distinct = "IS NOT" if connection.vendor == "sqlite" else "IS DISTINCT FROM"  # NULL-safe <>
    condition = f"{table}.{digest} {distinct} EXCLUDED.{digest}"
    if has_field(model, "removed_at"):
        condition += f" OR {table}.{qn(model._meta.get_field('removed_at').column)} IS NOT NULL"
    return condition


def _pg_copy_upsert(connection, table: str, columns: list[str], params: list[tuple], suffix: str) -> int:
    """PostgreSQL: ``COPY`` the page into a session-private temporary table, then ONE
    ``INSERT ... SELECT ... ON CONFLICT DO UPDATE`` from it.

    A 1000-row ``VALUES`` list has thousands of placeholders, which psycopg's client-side binding parses in
    Python at every page; COPY streams the rows without any SQL per row. The temporary table has
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
