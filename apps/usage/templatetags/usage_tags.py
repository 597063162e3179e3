from django import template

from apps.core.units import data_size

register = template.Library()


@register.filter
def bytes(value) -> str:  # noqa: A001 - the filter's name in templates
    """apps.core.units.data_size (decimal units, as billed: ``1234567 -> "1.23 MB"``); 0 for nothing."""
    return data_size(value or 0)
