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

from .models import Job


class BaseTable(tables.Table):
    """The base of every table (NetBox's ``BaseTable``): django-tables2's ``Table`` whose rows are written
    by :meth:`row_html` - the same markup as django-tables2's ``table.html`` row block, in Python rather
    than a template round trip per cell (the template engine's per-cell work was about half the rendering
    time of a 50-row list). Uses django-tables2's public row API only (``BoundRow.items()``, ``row.attrs``,
    ``BoundColumn.attrs``/``localize``/``column``). The template is ``core/_table.html``
    (``DJANGO_TABLES2_TEMPLATE``) unless a table's ``Meta.template_name`` extends it."""

    def row_html(self, row, context) -> str:
        """One ``<tr>``: ``<tr {{ row.attrs }}>`` and a ``<td {{ column.attrs.td }}>`` per cell, each value
        localised and escaped as ``{{ cell }}`` (or ``|localize``/``|unlocalize``) would be."""
        cache = self.__dict__.setdefault("_td_html_cache", {})
        cells = [
            f"<td {self._td_html(column, cache)}>{_cell_text(context, column, cell)}</td>"
            for column, cell in row.items()
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
