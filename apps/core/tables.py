"""The one table base of the dashboard (every table of every app subclasses :class:`BaseTable`) and the
columns the tables share.

Columns stay declarative (django-tables2's ``Column``/``linkify``/``render_FOO``); the rendering of a row
lives in one place, :meth:`BaseTable.row_html`, which ``core/_table.html`` (every table's template) calls
once per row. apps/core/tests/test_tables.py proves, for every table class of the project, that the
output equals django-tables2's own template (``django_tables2/bootstrap5.html``).
"""

from __future__ import annotations

import django_tables2 as tables
from django.template.base import render_value_in_context
from django.template.defaultfilters import date as date_filter
from django.utils.formats import localize
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime
from django_tables2.utils import signature as tables_signature

from .models import Job


class BaseTable(tables.Table):
    """The base of every table (NetBox's ``BaseTable``): django-tables2's ``Table`` whose rows are written
    by :meth:`row_html` - the same markup as django-tables2's ``table.html`` row block, in Python rather
    than a template round trip per cell (the template engine's per-cell work was about half the rendering
    time of a 50-row list), each cell through :func:`_row_items` (``BoundRow.items()`` with render signatures
    read once). The template is ``core/_table.html``
    (``DJANGO_TABLES2_TEMPLATE``) unless a table's ``Meta.template_name`` extends it."""

    def row_html(self, row, context) -> str:
        """One ``<tr>``: ``<tr {{ row.attrs }}>`` and a ``<td {{ column.attrs.td }}>`` per cell, each value
        localised and escaped as ``{{ cell }}`` (or ``|localize``/``|unlocalize``) would be."""
        cache = self.__dict__.setdefault("_td_html_cache", {})
        cells = [
            f"<td {self._td_html(column, cache)}>{_cell_text(context, column, cell)}</td>"
            for column, cell in _row_items(row)
        ]
        return mark_safe(f"<tr {row.attrs.as_html()}>{''.join(cells)}</tr>")  # noqa: S308 - escaped above

    def _td_html(self, column, cache: dict) -> str:
        """``column.attrs['td'].as_html()``, worked out once per table render where it is the same on every
        row: no callable among the ``td`` attributes (django-tables2 calls those with each record/value)."""
        html = cache.get(column.name)
        if html is None:
            html = column.attrs["td"].as_html()
            attrs = {**self.attrs, **column.column.attrs}
            if not any(callable(value) for value in attrs.get("td", attrs.get("cell", {})).values()):
                cache[column.name] = html
        return html


def _row_items(row):
    """``row.items()`` (``(bound column, cell)`` pairs, setting ``current_value`` / ``current_record`` as it
    does), with each render method's signature read once per function rather than once per cell (
    django-tables2's ``call_with_appropriate`` inspects it on every call: some 40 % of a list's row time).
    Relies on ``BoundRow._get_and_render_with`` / ``_optional_cell_arguments`` of django-tables2 3.x (pinned
    below 4 in pyproject.toml); apps/core/tests/test_tables.py proves every table's rows equal
    django-tables2's own rendering."""
    for column in row.table.columns:
        column.current_value = row._get_and_render_with(
            column,
            render_func=lambda bound_column, value=None: _render_cell(row, bound_column, value),
            default=column.default,
        )
        column.current_record = row.record
        yield column, column.current_value


def _render_cell(row, bound_column, value=None):
    """``BoundRow._call_render`` with :func:`_call_with_appropriate`."""
    kwargs = row._optional_cell_arguments(bound_column, value)
    content = _call_with_appropriate(bound_column.render, kwargs)
    return bound_column.link(content, **kwargs) if bound_column.link else content


_SIGNATURES: dict = {}


def _call_with_appropriate(fn, kwargs):
    """django_tables2.utils.call_with_appropriate, its ``signature(fn)`` kept per function (a bound
    method's per underlying function: the signature without ``self`` is the same for every instance)."""
    function = getattr(fn, "__func__", fn)
    found = _SIGNATURES.get(function)
    if found is None:
        if len(_SIGNATURES) > 10_000:  # render methods are a class's: only a table built per call grows it
            _SIGNATURES.clear()
        found = _SIGNATURES[function] = tables_signature(fn)
    args, kwargs_name = found
    if not kwargs_name:
        kwargs = {name: kwargs[name] for name in kwargs if name in args}
        if any(arg not in kwargs for arg in args):
            return None
    return fn(**kwargs)


def _cell_text(context, column, cell) -> str:
    if column.localize is None:
        return render_value_in_context(cell, context)
    return conditional_escape(localize(cell, use_l10n=bool(column.localize)))  # the |localize filters


class DateTimeColumn(tables.DateTimeColumn):
    """django-tables2's ``DateTimeColumn`` without a template per cell: the same ``|date`` filter, applied
    to the value in the current timezone as the template engine would (``expects_localtime``), and the
    column's default when that gives nothing (a template per cell was ~0.4 ms: some 20 ms of a 50-row
    page). Export values (``value()``) are django-tables2's."""

    def __init__(self, format=None, short=True, *args, **kwargs):
        super().__init__(format, short, *args, **kwargs)
        self.date_format = format or ("SHORT_DATETIME_FORMAT" if short else "DATETIME_FORMAT")

    def render(self, value, bound_column, **kwargs):
        return date_filter(template_localtime(value), self.date_format) or bound_column.default


class JobTable(BaseTable):
    """The jobs index: what, who, when, progress and outcome; each row links to the job's page."""

    id = tables.Column(verbose_name="Job", linkify=True, attrs={"a": {"hx-boost": "false"}})
    title = tables.Column(linkify=True, attrs={"a": {"hx-boost": "false"}})
    kind = tables.Column(attrs={"td": {"class": "mono small"}})
    created_by = tables.Column(verbose_name="Started by", default="—")
    created_at = DateTimeColumn(format="Y-m-d H:i:s", verbose_name="Started")
    progress = tables.Column(empty_values=(), orderable=False)
    status = tables.Column(verbose_name="Outcome")

    class Meta:
        model = Job
        fields = ("id", "title", "kind", "created_by", "created_at", "progress", "status")
        attrs = {"class": "table table-sm table-hover align-middle", "id": "job-table"}
        row_attrs = {"data-job": lambda record: record.pk}
        order_by = ("-created_at",)

    def render_id(self, value):
        return f"#{value}"

    def render_progress(self, record):
        return format_html(
            '<progress max="{}" value="{}" aria-label="Job progress">{}%</progress> '
            '<span class="small">{} of {} done · {} succeeded · {} failed</span>',
            record.total or 1,
            record.processed,
            record.percent,
            record.processed,
            record.total,
            record.succeeded,
            record.failed,
        )

    def render_status(self, record):
        return format_html(
            '<span class="badge {}" data-job-status="{}">{}</span>',
            record.status_badge_class,
            record.status,
            record.get_status_display(),
        )


class SelectColumn(tables.CheckBoxColumn):
    """A row-selection checkbox with an accessible name: each row's box is labelled "Select <noun>
    <value>" (``aria-label``; the value is the column's, e.g. the row's SID), the header box "Select every
    <noun> on this page", unless ``attrs`` name them otherwise. Never orderable."""

    def __init__(self, noun: str = "row", attrs=None, **kwargs):
        attrs = {key: dict(value) for key, value in (attrs or {}).items()}
        row_input = attrs.setdefault("input", {})
        row_input.setdefault("aria-label", lambda value: f"Select {noun} {value}")
        header_input = attrs.setdefault(
            "th__input", {k: v for k, v in row_input.items() if k not in ("name", "aria-label", "value")}
        )
        header_input["aria-label"] = header_input.get("aria-label") or f"Select every {noun} on this page"
        kwargs.setdefault("orderable", False)
        super().__init__(attrs=attrs, **kwargs)
