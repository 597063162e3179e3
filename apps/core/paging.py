"""Paging of the list pages: the one place that reads ``page`` / ``per_page`` from a request.

django-tables2's ``RequestConfig`` passes ``int(request.GET["per_page"])`` straight to the paginator
(``-5`` reached it; ``²`` passed ``str.isdigit()`` and then failed ``int()``: 500s). Here every value is read
with :func:`clean_count`: ASCII digits only, so a bad value is **clamped, never refused** - what a person who
edits the URL expects is the page, shown normally:

* ``per_page``: not a positive number (``²``, ``-5``, ``abc``, empty) -> the page's default; above
  :data:`MAX_PER_PAGE` (including a number with 5,000 digits) -> :data:`MAX_PER_PAGE`;
* ``page``: not a positive number -> 1; past the last page -> the last page (the paginator's own rule);
  above :data:`MAX_PAGE` -> :data:`MAX_PAGE` (the OFFSET stays a sane number for every database).
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import HttpRequest
from django_tables2 import RequestConfig

MAX_PER_PAGE = 500
MAX_PAGE = 100_000


def clean_count(raw: str | None, *, default: int, maximum: int) -> int:
    """A positive integer read from the request, clamped to ``1..maximum``; ``default`` when ``raw`` is not
    a positive number written in ASCII digits. Never raises (a 5,000-digit number is not even converted)."""
    raw = (raw or "").strip()
    if not raw or not raw.isascii() or not raw.isdigit():
        return default
    raw = raw.lstrip("0")
    if len(raw) > len(str(maximum)):
        return maximum
    value = int(raw or "0")
    if value < 1:
        return default
    return min(value, maximum)


def page_size(request: HttpRequest, *, default: int, field: str = "per_page") -> int:
    return clean_count(request.GET.get(field), default=default, maximum=MAX_PER_PAGE)


def page_number(request: HttpRequest, *, field: str = "page") -> int:
    return clean_count(request.GET.get(field), default=1, maximum=MAX_PAGE)


class CountedPaginator(Paginator):
    """Django's paginator with the total given (``count=``), e.g. a cached count: no ``COUNT(*)`` here."""

    def __init__(self, object_list, per_page, orphans=0, allow_empty_first_page=True, *, count: int):
        super().__init__(object_list, per_page, orphans, allow_empty_first_page)
        self.__dict__["count"] = count  # the cached_property's slot


def configure_table(request: HttpRequest, table, *, per_page: int, **paginate: Any):
    """Sort and paginate ``table`` from ``request`` as ``RequestConfig`` does, with ``page`` and
    ``per_page`` read by :func:`clean_count` (``per_page`` is the page's default). ``paginate`` goes to
    ``table.paginate`` (``paginator_class``, ``count``...); ``paginate={"page": n}`` fixes the page."""
    RequestConfig(request, paginate=False).configure(table)  # sorting (and table.request) only
    options = {
        "per_page": page_size(request, default=per_page, field=table.prefixed_per_page_field),
        "page": page_number(request, field=table.prefixed_page_field),
        **paginate,
    }
    try:
        table.paginate(**options)
    except PageNotAnInteger:
        table.page = table.paginator.page(1)
    except EmptyPage:
        table.page = table.paginator.page(table.paginator.num_pages)
    return table
