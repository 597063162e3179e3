"""Plumbing shared by the sandbox views: Twilio-style errors, parameter parsing, SIDs, dates, paging."""

from __future__ import annotations

import base64
import binascii
import re
import secrets
from datetime import UTC, datetime
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponse, JsonResponse

# Twilio's generic codes.
INVALID_PARAM = 20001
AUTH_FAILED = 20003
METHOD_NOT_ALLOWED = 20004
BAD_PAGING = 20007
NOT_FOUND = 20404
TOO_MANY = 20429
INTERNAL = 20500
UNAVAILABLE = 20503
# Super SIM codes, as Twilio's error dictionary documents them (twilio.com/docs/api/errors/<code>).
REGISTRATION_PARAM_MISSING = 83001  # CreateSim without Iccid or RegistrationCode
WRONG_REGISTRATION = 83002
SIM_ALREADY_ON_ACCOUNT = 83003  # the message names the SIM's SID
FLEET_NOT_FOUND = 83006  # UpdateSim to a Fleet that does not exist (400)
SIM_NEEDS_FLEET = 83007
FLEET_REMOVAL_NOT_ALLOWED = 83008  # removing the Fleet of a ready/active SIM
FLEET_CHANGE_WHILE_SCHEDULED = 83009  # changing the Fleet while the SIM is scheduled
STATUS_CHANGE_NOT_ALLOWED = 83010
DUPLICATE_UNIQUE_NAME = 83011
#: commands refused when they are created (HTTP 400). 83400 is Twilio's documented "IP Commands error"
#: (https://www.twilio.com/docs/errors/83400); no code for SMS Commands is documented, so the sandbox uses
#: 83300, the same pattern one block lower (the 83xxx Super SIM range, 834xx being IP Commands).
SMS_COMMAND_REFUSED = 83300
IP_COMMAND_REFUSED = 83400
#: the SIM statuses in which a SIM can be sent a command
COMMAND_SIM_STATUSES = ("ready", "active")
USAGE_INVALID_PARAM = 83600  # a UsageRecords parameter failed validation (format, or a conflict)
USAGE_NOT_DAY_ALIGNED = 83601  # Granularity=day: StartTime/EndTime at midnight UTC
USAGE_NOT_HOUR_ALIGNED = 83602  # Granularity=hour: StartTime/EndTime on the hour
USAGE_SIM_GROUP_TOO_LONG = 83603  # Group=sim: at most 31 days
USAGE_WINDOW_TOO_LONG = 83604  # Granularity all: 18 months, day: 3 months, hour: 31 days
USAGE_TOO_OLD = 83605  # StartTime more than 18 months before the start of the current UTC day

SID_RE = re.compile(r"^[A-Z]{2}[0-9a-fA-F]{32}$")


class ApiError(Exception):
    def __init__(self, status: int, code: int, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}

    def response(self) -> HttpResponse:
        return error_response(self.status, self.code, self.message, self.headers)


def error_response(status: int, code: int, message: str, headers: dict | None = None) -> JsonResponse:
    body = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    resp = JsonResponse(body, status=status)
    for k, v in (headers or {}).items():
        resp[k] = v
    return resp


def bad(message: str, code: int = INVALID_PARAM) -> ApiError:
    return ApiError(400, code, message)


def not_found(path: str) -> ApiError:
    return ApiError(404, NOT_FOUND, f"The requested resource {path} was not found")


# --- SIDs and dates ----------------------------------------------------------------------------------------
def new_sid(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


def is_sid(value: str, prefix: str) -> bool:
    return bool(value) and value[:2] == prefix and bool(SID_RE.match(value))


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def iso(dt: datetime | None) -> str | None:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if dt else None


def account_sid() -> str:
    return settings.SANDBOX_ACCOUNT_SID


# --- parameters --------------------------------------------------------------------------------------------
def p_str(data, name: str, *, required: bool = False, max_len: int | None = None) -> str | None:
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise bad(f"Missing required parameter {name} in the post body")
        return None
    if max_len is not None and len(value) > max_len:
        raise bad(f"Parameter {name} must be at most {max_len} characters long")
    return value


def p_enum(data, name: str, choices, *, required: bool = False) -> str | None:
    value = p_str(data, name, required=required)
    if value is not None and value not in choices:
        raise bad(f"Invalid {name}: '{value}'. Must be one of: {', '.join(choices)}")
    return value


def p_int(data, name: str, *, lo: int | None = None, hi: int | None = None, required: bool = False):
    value = p_str(data, name, required=required)
    if value is None:
        return None
    try:
        number = int(value)
    except ValueError:
        raise bad(f"Invalid {name}: '{value}' is not an integer")
    if (lo is not None and number < lo) or (hi is not None and number > hi):
        raise bad(f"Invalid {name}: {number} must be between {lo} and {hi}")
    return number


def p_bool(data, name: str) -> bool | None:
    value = p_str(data, name)
    if value is None:
        return None
    if value.lower() in ("true", "1"):
        return True
    if value.lower() in ("false", "0"):
        return False
    raise bad(f"Invalid {name}: '{value}' must be true or false")


def p_url(data, name: str) -> str | None:
    value = p_str(data, name, max_len=500)
    if value is not None and not re.match(r"^https?://[^\s/$.?#][^\s]*$", value):
        raise bad(f"Invalid {name}: '{value}' is not a valid http(s) URL")
    return value


def p_method(data, name: str) -> str | None:
    value = p_str(data, name)
    if value is None:
        return None
    if value.upper() not in ("GET", "POST"):
        raise bad(f"Invalid {name}: '{value}'. Must be one of: GET, POST")
    return value.upper()


def p_sid(data, name: str, prefix: str, *, required: bool = False) -> str | None:
    value = p_str(data, name, required=required)
    if value is not None and not is_sid(value, prefix):
        raise bad(f"Invalid {name}: '{value}' must be a SID matching ^{prefix}[0-9a-fA-F]{{32}}$")
    return value


def p_unique_name(data, name: str = "UniqueName") -> str | None:
    value = p_str(data, name, max_len=64)
    if value is not None and SID_RE.match(value):
        raise bad(f"Invalid {name}: '{value}' must not look like a SID")
    return value


# --- paging ------------------------------------------------------------------------------------------------
#: the largest row offset / row id a page may start from (a 64-bit SQL integer holds it; beyond: 20007)
MAX_OFFSET = 2**53


class Paging:
    """PageSize/Page/PageToken. Tokens: 'PA<id>' rows after id, 'PB<id>' rows before id, 'PO<n>' offset.

    ``PageSize`` runs from 1 to the provider's maximum for the list (its spec file's ``PageSize.maximum``,
    see :mod:`apps.sandbox.contract`: 1000 on Twilio; 249 on KORE's UsageRecords, 100 on its IpCommands);
    outside it, or a Page / PageToken beyond ``MAX_OFFSET``: 400 with code 20007.
    """

    def __init__(self, request):
        from .contract import page_size_max

        q = request.GET
        path = request.path
        maximum = page_size_max(path[path.index("/v1/") :] if "/v1/" in path else path)
        raw = q.get("PageSize")
        if raw in (None, ""):
            self.size = min(50, maximum)
        else:
            try:
                self.size = int(raw)
            except ValueError:
                raise ApiError(400, BAD_PAGING, f"Invalid PageSize: '{raw}' is not an integer")
            if self.size < 1 or self.size > maximum:
                raise ApiError(400, BAD_PAGING, f"PageSize must be between 1 and {maximum} (got {self.size})")
        raw = q.get("Page")
        try:
            self.page = int(raw) if raw not in (None, "") else 0
        except ValueError:
            raise ApiError(400, BAD_PAGING, f"Invalid Page: '{raw}' is not an integer")
        if self.page < 0:
            raise ApiError(400, BAD_PAGING, "Page must be 0 or greater")
        if self.page * self.size > MAX_OFFSET:
            raise ApiError(400, BAD_PAGING, f"Page {self.page} is out of range")
        self.token = q.get("PageToken") or None
        self.kind, self.value = None, None
        if self.token:
            kind, rest = self.token[:2], self.token[2:]
            if kind not in ("PA", "PB", "PO") or not rest.isdigit() or not rest.isascii():
                raise ApiError(400, BAD_PAGING, f"Invalid PageToken: '{self.token}'")
            if len(rest) > 16 or int(rest) > MAX_OFFSET:
                raise ApiError(400, BAD_PAGING, f"PageToken is out of range: '{self.token}'")
            self.kind, self.value = kind, int(rest)


def list_response(request, key: str, items: list, paging: Paging, filters: dict, next_token, prev_token):
    path = request.path
    base = request.build_absolute_uri(path)

    def url(page: int, token: str | None) -> str:
        params = [(k, v) for k, v in filters.items() if v not in (None, "")]
        params += [("PageSize", paging.size), ("Page", page)]
        if token:
            params.append(("PageToken", token))
        return f"{base}?{urlencode(params)}"

    meta = {
        "page": paging.page,
        "page_size": paging.size,
        "first_page_url": url(0, None),
        "previous_page_url": url(max(paging.page - 1, 0), prev_token) if prev_token else None,
        "url": url(paging.page, paging.token),
        "next_page_url": url(paging.page + 1, next_token) if next_token else None,
        "key": key,
    }
    return JsonResponse({key: items, "meta": meta})


def keyset_page(qs, paging: Paging, fields: list[str]):
    """One indexed query: rows of ``qs`` (values dicts incl. 'id') for this page, with next/prev tokens."""
    if paging.kind == "PB":
        rows = list(qs.filter(id__lt=paging.value).order_by("-id").values("id", *fields)[: paging.size + 1])
        has_more_before = len(rows) > paging.size
        rows = rows[: paging.size][::-1]
        next_token = f"PA{rows[-1]['id']}" if rows else None
        prev_token = f"PB{rows[0]['id']}" if rows and has_more_before else None
        return rows, next_token, prev_token
    q = qs.order_by("id")
    if paging.kind == "PA":
        q = q.filter(id__gt=paging.value)
        rows = list(q.values("id", *fields)[: paging.size + 1])
    else:
        offset = paging.page * paging.size if paging.kind is None else paging.value
        rows = list(q.values("id", *fields)[offset : offset + paging.size + 1])
    more = len(rows) > paging.size
    rows = rows[: paging.size]
    next_token = f"PA{rows[-1]['id']}" if more else None
    started_later = paging.kind is not None or paging.page > 0
    prev_token = f"PB{rows[0]['id']}" if rows and started_later else None
    return rows, next_token, prev_token


def offset_page(items: list, paging: Paging):
    """Paging over a computed list (billing periods, IP addresses, usage groups)."""
    start = paging.value if paging.kind == "PO" else paging.page * paging.size
    page = items[start : start + paging.size]
    next_token = f"PO{start + paging.size}" if start + paging.size < len(items) else None
    prev_token = f"PO{max(start - paging.size, 0)}" if start > 0 else None
    return page, next_token, prev_token


def decode_base64(value: str) -> bytes | None:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
