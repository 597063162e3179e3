"""Field checks for onboarding, shared by the one-SIM form and the CSV preview (saying exactly what is wrong).

Every check returns ``None`` when the value is fine, else a sentence the operator can act on.
"""

from __future__ import annotations

import re

from apps.sims.choices import SimStatus

ICCID_MIN, ICCID_MAX = 18, 22
REGISTRATION_CODE_LENGTH = 10
UNIQUE_NAME_MAX = 64
SID_RE = re.compile(r"^[A-Z]{2}[0-9a-fA-F]{32}$")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: statuses a SIM may be given right after registration ("activate now")
INITIAL_STATUSES = (SimStatus.READY.value, SimStatus.ACTIVE.value)


_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)  # digit * 2, digits summed


def luhn_check_digit(digits: str) -> str:
    """The Luhn check digit for ``digits`` (the ICCID without its last digit)."""
    rev = digits[::-1]
    total = sum(_DOUBLED[int(d)] for d in rev[0::2]) + sum(int(d) for d in rev[1::2])
    return str((10 - total % 10) % 10)


def iccid_error(value: str) -> str | None:
    if not value:
        return "The ICCID is missing."
    bad = (
        None
        if value.isascii() and value.isdigit()
        else next(c for c in value if not c.isascii() or not c.isdigit())
    )
    if bad is not None:
        return f"The ICCID may contain digits only; it contains {bad!r} at position {value.index(bad) + 1}."
    if not ICCID_MIN <= len(value) <= ICCID_MAX:
        return f"The ICCID must be {ICCID_MIN} to {ICCID_MAX} digits long; this one has {len(value)}."
    expected = luhn_check_digit(value[:-1])
    if value[-1] != expected:
        return (
            f"The ICCID's last digit (its Luhn check digit) should be {expected}, not {value[-1]}: "
            "check the number for a typo."
        )
    return None


def registration_code_error(value: str) -> str | None:
    if not value:
        return "The registration code is missing."
    if len(value) != REGISTRATION_CODE_LENGTH:
        return (
            f"The registration code must be {REGISTRATION_CODE_LENGTH} characters long; "
            f"this one has {len(value)}."
        )
    bad = next((ch for ch in value if not (ch.isascii() and ch.isalnum())), None)
    if bad is not None:
        return f"The registration code may contain only letters and digits; it contains {bad!r}."
    return None


def unique_name_error(value: str) -> str | None:
    if not value:
        return None
    if len(value) > UNIQUE_NAME_MAX:
        return f"The unique name may be at most {UNIQUE_NAME_MAX} characters long; this one has {len(value)}."
    if SID_RE.match(value):
        return "The unique name must not look like a SID (two capital letters and 32 hex digits)."
    if value.startswith(FORMULA_START):
        return f"The unique name must not start with {value[0]!r} (spreadsheet formula)."
    return None


def status_error(value: str) -> str | None:
    if value and value not in INITIAL_STATUSES:
        allowed = " or ".join(repr(s) for s in INITIAL_STATUSES)
        return f"The status must be empty, {allowed}; not {value!r}."
    return None


def looks_like_formula(value: str) -> bool:
    return bool(value) and value.startswith(FORMULA_START)
