"""Cursor pagination of every list: ordered by the primary key (unique, indexed), so a page costs one index
range scan at any depth and rows inserted meanwhile never shift a page (no OFFSET, no COUNT)."""

from __future__ import annotations

from rest_framework.pagination import CursorPagination


class IdCursorPagination(CursorPagination):
    ordering = "-id"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
    cursor_query_param = "cursor"

    def get_paginated_response_schema(self, schema):
        out = super().get_paginated_response_schema(schema)
        out["required"] = ["next", "previous", "results"]
        for name in ("next", "previous"):
            out["properties"][name].pop("example", None)
        return out
