"""Canonical JSON and content hashes of API items: the same text is hashed and written to the JSON column."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import orjson

_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
_ORJSON_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS


class JsonText(str):
    """Canonical JSON text of a value, already serialised: written to a JSON column as it is."""


def canonical_json(raw: Any) -> JsonText:
    """Canonical JSON of ``raw`` (sorted keys, no whitespace, UTF-8 as is).

    orjson, and the standard library (the same text) for what orjson refuses (integers beyond 64 bits).
    """
    try:
        return JsonText(orjson.dumps(raw, default=str, option=_ORJSON_OPTIONS).decode())
    except orjson.JSONEncodeError:
        return JsonText(_ENCODER.encode(raw))


def sha1_hex(text: str) -> str:
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


def content_hash(raw: Any) -> str:
    """SHA-1 of the canonical JSON of ``raw`` (sorted keys, no whitespace)."""
    return sha1_hex(canonical_json(raw))
