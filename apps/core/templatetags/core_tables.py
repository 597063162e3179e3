"""``{% table_row row %}``: the hook by which ``core/_table.html`` has each row written by its table
(:meth:`apps.core.tables.BaseTable.row_html`, the one row-rendering path)."""

from __future__ import annotations

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def table_row(context, row) -> str:
    return row.table.row_html(row, context)
