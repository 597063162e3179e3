"""``{% table_row row %}``: one django-tables2 row written out in Python.

The same markup as django-tables2's ``table.html`` row block (``<tr {{ row.attrs }}>`` and a
``<td {{ column.attrs.td }}>`` per cell, the value localised and escaped as ``{{ cell }}`` would be),
without a template round trip per cell: the template engine's per-cell work was about half the rendering
time of a 50-row list. ``core/_table.html`` uses it for every table but the SIM list (own row markup).
"""

from __future__ import annotations

from django import template
from django.template.base import render_value_in_context
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

register = template.Library()


def _td_attrs_are_static(column) -> bool:
    """Whether the column's ``<td>`` attributes are the same on every row: no callable among them (which
    django-tables2 calls with each record/value), in the table's attrs or the column's."""
    attrs = {**column._table.attrs, **column.column.attrs}
    source = attrs.get("td", attrs.get("cell", {}))
    return not any(callable(value) for value in source.values())


def _td_html(column, cache: dict) -> str:
    """``column.attrs['td'].as_html()``, worked out once per table render where it is the same on every
    row (building it took ~0.07 ms per cell: a third of a 50-row audit page's rows)."""
    html = cache.get(column.name)
    if html is None:
        html = column.attrs["td"].as_html()
        if _td_attrs_are_static(column):
            cache[column.name] = html
    return html


@register.simple_tag(takes_context=True)
def table_row(context, row) -> str:
    """A table may give ``fast_cells``: column name -> function(record) -> the cell's HTML (escaped), for
    the columns whose django-tables2 rendering it writes out itself; the others go through django-tables2."""
    table = row.table
    cache = table.__dict__.setdefault("_core_td_html", {})
    if hasattr(table, "fast_cells"):
        if "_core_fast_cells" not in table.__dict__:
            table._core_fast_cells = table.fast_cells()  # once per table render
        return _fast_row(context, row, table._core_fast_cells, cache)
    cells = [
        f"<td {_td_html(column, cache)}>{_cell_text(context, column, cell)}</td>"
        for column, cell in row.items()
    ]
    return mark_safe(f"<tr {row.attrs.as_html()}>{''.join(cells)}</tr>")  # noqa: S308 - escaped above


def _cell_text(context, column, cell) -> str:
    if column.localize is None:
        return render_value_in_context(cell, context)
    return conditional_escape(localize(cell, use_l10n=bool(column.localize)))  # the |localize filters


def _fast_row(context, row, fast: dict, cache: dict) -> str:
    record = row.record
    cells = []
    for column in row.table.columns:
        render = fast.get(column.name)
        if render is not None:
            cell = text = render(record)
        else:
            cell = row.get_cell(column.name)
            text = _cell_text(context, column, cell)
        column.current_value, column.current_record = cell, record  # as BoundRow.items() sets them
        cells.append(f"<td {_td_html(column, cache)}>{text}</td>")
    return mark_safe(f"<tr {row.attrs.as_html()}>{''.join(cells)}</tr>")  # noqa: S308 - escaped by each
