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


@register.simple_tag(takes_context=True)
def table_row(context, row) -> str:
    cells = []
    for column, cell in row.items():
        if column.localize is None:
            text = render_value_in_context(cell, context)
        else:  # the |localize / |unlocalize filters
            text = conditional_escape(localize(cell, use_l10n=bool(column.localize)))
        cells.append(f"<td {column.attrs['td'].as_html()}>{text}</td>")
    return mark_safe(f"<tr {row.attrs.as_html()}>{''.join(cells)}</tr>")  # noqa: S308 - escaped above
