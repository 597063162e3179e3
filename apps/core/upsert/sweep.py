"""Mark-and-sweep: rows a complete, error-free run did not see are marked removed (never deleted)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db.models import Model

from .statements import chunks, has_field

SWEEP_CHUNK = 500  # primary keys per UPDATE of the sweep


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
    (instead of a scan of every live row). Rows that came live
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
            for chunk in chunks(missing, SWEEP_CHUNK)
        )
    if has_field(model, "last_seen_run_id"):
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
    for chunk in chunks(missing, SWEEP_CHUNK):
        removed += manager.filter(pk__in=chunk, removed_at__isnull=True).update(removed_at=now)
    return removed
