"""The sync engine's write path: API items into local tables, and the sweep of rows a run did not see.

One module per job:

* :mod:`.hashing` — canonical JSON and content hashes (the text hashed is the text written);
* :mod:`.statements` — the SQL: ``INSERT ... ON CONFLICT DO UPDATE`` plans, multi-row ``VALUES``, ``COPY``;
* :mod:`.page` — one page: :func:`bulk_upsert` (every resource's pages, and the unchanged rows skipped),
  :func:`upsert_one` (one object from an API answer, the UI path);
* :mod:`.run` — one run of a big resource: :class:`PagedUpsert` (keys and hashes read once per run, pages
  prepared off the writing thread);
* :mod:`.sweep` — :func:`sweep`: rows a complete run did not see are marked removed, never deleted;
* :mod:`.durability` — :func:`relaxed_durability`: the database session settings of a sync run;
* :mod:`.values` — :func:`parse_dt` for the API's timestamps.

Import from here (``from apps.core.upsert import bulk_upsert``), not from the modules.
"""

from .durability import relaxed_durability
from .hashing import JsonText, canonical_json, content_hash
from .page import UpsertResult, bulk_upsert, upsert_one
from .run import PagedUpsert, PreparedPage
from .statements import IN_CHUNK, PG_COPY_MIN_ROWS
from .sweep import SWEEP_CHUNK, sweep
from .values import parse_dt

__all__ = [
    "IN_CHUNK",
    "PG_COPY_MIN_ROWS",
    "SWEEP_CHUNK",
    "JsonText",
    "PagedUpsert",
    "PreparedPage",
    "UpsertResult",
    "bulk_upsert",
    "canonical_json",
    "content_hash",
    "parse_dt",
    "relaxed_durability",
    "sweep",
    "upsert_one",
]
