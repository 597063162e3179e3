"""A whole sync run of a big resource (SIMs): :class:`PagedUpsert` reads the table's keys and hashes once,
prepares each page without the database (a background thread), and writes it (the caller's thread)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import NamedTuple

from django.db import connections, router, transaction
from django.db.models import Model

from .hashing import canonical_json, sha1_hex
from .page import UpsertResult
from .statements import InsertPlan, has_field, insert_plan, run_stamp


class PreparedPage(NamedTuple):
    """A page made ready by :meth:`PagedUpsert.prepare`: what to write and what was seen."""

    plan: InsertPlan | None  # None: nothing to write
    new: list[tuple]  # the statement parameters of the rows the run did not find
    changed: list[tuple]  # ... of the rows it found with another content (or removed)
    keys: list  # every key of the page (for the sweep)
    result: UpsertResult


class PagedUpsert:
    """One sync run's upsert of API items into ``model`` (one-field ``key`` found in the items), page by
    page, in two halves: :meth:`prepare` (pure Python, meant for a background thread) and :meth:`write`
    (the database, in the caller's thread).

    It does what :func:`bulk_upsert` does with ``seen=`` for each page (``to_row`` maps an API item to its
    row), but reads the table's keys and content hashes ONCE, when the run starts (``known``), instead of
    once per page, so that ``prepare`` can tell new, changed and unchanged items apart and build the
    statement parameters of the new and changed ones without the database - while the page before is being
    written. ``write`` is then only SQL: a plain insert of the new rows (:meth:`InsertPlan.insert`) and
    the upsert of the changed ones, during which the driver releases the GIL, so the next page's hashing
    and row building run meanwhile.

    ``known`` is the table as the run found it (the lock keeps other syncs of the resource away); a row the
    UI writes meanwhile is compared with its state at the start, as a page fetched before that write would
    be. Memory: a key and a 40-character hash per row, like ``seen``.
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
        has_removed = has_field(model, "removed_at")
        self.stamp = run_stamp(model, now=now, run_id=run_id)
        # key -> content hash of the row, or None where it is marked removed (a removed row seen again is
        # written: it comes back). Plain SQL, one fetch, no model instances: the run waits for this before
        # its first page is prepared
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
        self._plans: dict[frozenset, InsertPlan] = {}

    def _plan(self, row: dict) -> InsertPlan:
        shape = frozenset(row)
        plan = self._plans.get(shape)
        if plan is None:
            plan = self._plans[shape] = insert_plan(
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
            digest = sha1_hex(text)
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
