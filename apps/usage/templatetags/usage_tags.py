from django import template

register = template.Library()

_UNITS = ["B", "kB", "MB", "GB", "TB", "PB"]


@register.filter
def bytes(value) -> str:  # noqa: A001 - the filter's name in templates
    """Decimal units (1 MB = 1,000,000 bytes), as billed: ``1234567 -> "1.23 MB"``."""
    try:
        size = float(value or 0)
    except (TypeError, ValueError):
        return ""
    unit = 0
    while size >= 1000 and unit < len(_UNITS) - 1:
        size /= 1000
        unit += 1
    return f"{size:.0f} {_UNITS[unit]}" if unit == 0 else f"{size:.2f} {_UNITS[unit]}"
