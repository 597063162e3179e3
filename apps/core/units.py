"""The one formatter of data sizes (usage, data limits) on every page and table.

Decimal units as billed (1 MB = 1,000,000 bytes; ``Fleet.data_limit`` is in MB): the biggest unit that
keeps the number at 1 or more, at most two decimals, trailing zeros dropped. ``20_000_000_000 -> "20 GB"``,
``1_234_567 -> "1.23 MB"``, ``0 -> "0 B"``, ``None -> "—"``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

UNITS = ("B", "kB", "MB", "GB", "TB", "PB")
MB = 1_000_000


def data_size(n_bytes) -> str:
    """``n_bytes`` (int, float, Decimal or a numeric string) as text; "—" for None or a non-number."""
    if n_bytes is None or n_bytes == "":
        return "—"
    try:
        size = Decimal(str(n_bytes))
    except (InvalidOperation, ValueError):
        return "—"
    if not size.is_finite():
        return "—"
    sign = "-" if size < 0 else ""
    size = abs(size)
    unit = 0
    while size >= 1000 and unit < len(UNITS) - 1:
        size /= 1000
        unit += 1
    text = f"{size.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,.2f}".rstrip("0").rstrip(".")
    if text == "1,000" and unit < len(UNITS) - 1:  # 999.996 kB rounds up into the next unit
        text, unit = "1", unit + 1
    return f"{sign}{text} {UNITS[unit]}"


def data_size_mb(megabytes) -> str:
    """A size given in megabytes (a fleet's data limit), written as :func:`data_size` writes bytes."""
    if megabytes is None or megabytes == "":
        return "—"
    try:
        return data_size(Decimal(str(megabytes)) * MB)
    except (InvalidOperation, ValueError):
        return "—"
