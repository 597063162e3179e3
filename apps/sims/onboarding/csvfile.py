"""Reading an onboarding CSV (iccid, registration_code, unique_name?, fleet?, status?) and checking every row.

``csv_decode`` + ``csv_read`` refuse hostile files as a whole (:class:`CsvRejected` with a sentence for the
operator): too big, empty, not UTF-8, binary, missing headers, too many rows, cells that spreadsheets
would run as formulas. ``rows_check`` then validates every row and looks the file up against local data
with a fixed number of queries (known ICCIDs, fleets, unique names: one query each, whatever the row count).
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.db.models import Q

from apps.annotations import onboarding as annotation_onboarding
from apps.fleets.models import Fleet
from apps.sims.models import Sim

from . import validation as v

COLUMNS = ("iccid", "registration_code", "unique_name", "fleet", "status")
REQUIRED = ("iccid", "registration_code")
ALIASES = {
    "iccid": "iccid",
    "registration_code": "registration_code",
    "registrationcode": "registration_code",
    "reg_code": "registration_code",
    "unique_name": "unique_name",
    "uniquename": "unique_name",
    "name": "unique_name",
    "fleet": "fleet",
    "fleet_sid": "fleet",
    "fleetsid": "fleet",
    "status": "status",
}

NEW, KNOWN, INVALID = "new", "known", "invalid"


class CsvRejected(Exception):
    """The whole file is refused; ``str(exc)`` tells the operator why. Nothing is stored."""


def max_bytes() -> int:
    return int(settings.ONBOARDING_CSV_MAX_BYTES)


def max_rows() -> int:
    # stays below SQLite's 32,766 bound parameters, so the known-ICCID lookup is one query
    return int(settings.ONBOARDING_CSV_MAX_ROWS)


def human_size(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


def csv_decode(data: bytes) -> str:
    if len(data) > max_bytes():
        raise CsvRejected(
            f"The file is {human_size(len(data))}; the limit is {human_size(max_bytes())}. "
            "Split it into smaller files."
        )
    if not data.strip():
        raise CsvRejected("The file is empty.")
    if b"\x00" in data[:4096]:
        raise CsvRejected(
            "The file looks binary (a spreadsheet such as .xlsx?). Save it as 'CSV UTF-8' and upload that."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CsvRejected(
            f"The file is not UTF-8 text (byte 0x{data[exc.start]:02X} on line {line}). "
            "Save it as 'CSV UTF-8' and upload it again."
        ) from None


def _header_name(raw: str) -> str:
    return "_".join(raw.strip().lower().replace("-", " ").split())


@dataclass
class CsvRow:
    line: int  # line number in the file (header = 1)
    iccid: str
    registration_code: str
    unique_name: str = ""
    fleet: str = ""
    status: str = ""
    errors: list[str] = field(default_factory=list)
    fleet_sid: str = ""
    known_sim_sid: str = ""
    #: the optional local-data cells (``tags``, ``cf_<name>``: apps.annotations.onboarding) and their payload
    extra: dict = field(default_factory=dict)
    annotations: dict = field(default_factory=dict)

    @property
    def outcome(self) -> str:
        if self.errors:
            return INVALID
        return KNOWN if self.known_sim_sid else NEW

    def payload(self) -> dict:
        return {
            "line": self.line,
            "iccid": self.iccid,
            "registration_code": self.registration_code,
            "unique_name": self.unique_name,
            "fleet_sid": self.fleet_sid,
            "status": self.status,
            "annotations": self.annotations,
            "error": " ".join(self.errors),
        }


def csv_read(text: str) -> list[CsvRow]:
    """Parse the text into rows (no validation of values yet, but formulas and structure are refused)."""
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample.splitlines()[0] if sample else "", delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, None)
        while header is not None and not any(c.strip() for c in header):
            header = next(reader, None)
        if header is None:
            raise CsvRejected("The file is empty.")
        # + the optional tags, cf_<name> columns of apps.annotations
        names = [
            ALIASES.get(_header_name(h)) or annotation_onboarding.column(_header_name(h)) for h in header
        ]
        missing = [c for c in REQUIRED if c not in names]
        if missing:
            seen = ", ".join(repr(h.strip()) for h in header if h.strip()) or "nothing"
            raise CsvRejected(
                f"The first line must name the columns; missing: {', '.join(missing)} (found {seen}). "
                f"Expected columns: {', '.join(COLUMNS)} (the last three are optional)."
            )
        dupes = [n for n, c in Counter(n for n in names if n).items() if c > 1]
        if dupes:
            raise CsvRejected(f"The column {dupes[0]!r} appears twice in the header.")
        index = {name: i for i, name in enumerate(names) if name}
        rows: list[CsvRow] = []
        limit = max_rows()
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            line = reader.line_num
            if len(rows) >= limit:
                raise CsvRejected(f"The file has more than {limit:,} rows; split it into smaller files.")
            values = {name: (cells[i].strip() if i < len(cells) else "") for name, i in index.items()}
            for name, value in values.items():
                if v.looks_like_formula(value):
                    shown = value if len(value) <= 20 else value[:20] + "…"
                    raise CsvRejected(
                        f"Line {line}, column {name}: {shown!r} starts with {value[0]!r}, which spreadsheet "
                        "programs run as a formula. Such cells are refused; remove them and upload again."
                    )
            extra = {k: val for k, val in values.items() if k not in COLUMNS}
            rows.append(CsvRow(line=line, extra=extra, **{c: values.get(c, "") for c in COLUMNS}))
    except csv.Error as exc:
        raise CsvRejected(f"The file is not valid CSV (line {reader.line_num}): {exc}.") from None
    if not rows:
        raise CsvRejected("The file has a header line but no rows.")
    return rows


@dataclass
class CsvCheck:
    rows: list[CsvRow]
    counts: dict[str, int]

    @property
    def new(self) -> int:
        return self.counts[NEW]

    @property
    def known(self) -> int:
        return self.counts[KNOWN]

    @property
    def invalid(self) -> int:
        return self.counts[INVALID]


def sims_by_iccid(iccids: list[str]) -> dict[str, str]:
    """ICCID -> SID of the known SIMs among ``iccids``, in one query (PostgreSQL: one array parameter,
    ``= ANY(%s)``, instead of 10,000 bound parameters; elsewhere ``IN (...)``, within SQLite's 32,766)."""
    qs = Sim.objects.filter(removed_at__isnull=True).order_by()
    if connection.vendor == "postgresql":
        qs = qs.extra(where=['"sims_sim"."iccid" = ANY(%s)'], params=[iccids])  # noqa: S610 - fixed SQL
    else:
        qs = qs.filter(iccid__in=iccids)
    return dict(qs.values_list("iccid", "sid"))


def rows_check(rows: list[CsvRow]) -> CsvCheck:
    """Validate every row; mark duplicates in the file and SIMs already known (three queries in all)."""
    first_iccid: dict[str, int] = {}
    first_name: dict[str, int] = {}
    good_iccids: list[str] = []
    # tags, cf_<name> cells: checked only when the file has such columns (one query for the fields)
    annotation_check = annotation_onboarding.row_checker() if any(r.extra for r in rows) else None
    for row in rows:
        iccid_error = v.iccid_error(row.iccid)
        if not iccid_error:
            good_iccids.append(row.iccid)
        for check in (
            iccid_error,
            v.registration_code_error(row.registration_code),
            v.unique_name_error(row.unique_name),
            v.status_error(row.status.lower()),
        ):
            if check:
                row.errors.append(check)
        row.status = row.status.lower()
        if row.iccid:
            if row.iccid in first_iccid:
                row.errors.append(f"Duplicate: the ICCID is already on line {first_iccid[row.iccid]}.")
            else:
                first_iccid[row.iccid] = row.line
        if row.unique_name:
            if row.unique_name in first_name:
                row.errors.append(
                    f"Duplicate: the unique name is already used on line {first_name[row.unique_name]}."
                )
            else:
                first_name[row.unique_name] = row.line
        if annotation_check is not None:
            row.annotations, annotation_errors = annotation_check(row.extra)
            row.errors.extend(annotation_errors)
        if row.status and not row.fleet:
            row.errors.append(
                f"A SIM needs a fleet to become {row.status}: fill the fleet column or leave status empty."
            )
    known = sims_by_iccid(list(dict.fromkeys(good_iccids))) if good_iccids else {}
    refs = sorted({r.fleet for r in rows if r.fleet})
    fleets: dict[str, str] = {}
    if refs:
        for sid, name in (
            Fleet.objects.filter(Q(sid__in=refs) | Q(unique_name__in=refs), removed_at__isnull=True)
            .order_by("id")
            .values_list("sid", "unique_name")
        ):
            fleets[sid] = sid
            if name:
                fleets.setdefault(name, sid)
    names = sorted(first_name)
    name_owner = (
        dict(
            Sim.objects.filter(unique_name__in=names, removed_at__isnull=True)
            .order_by()
            .values_list("unique_name", "iccid")
        )
        if names
        else {}
    )
    counts = {NEW: 0, KNOWN: 0, INVALID: 0}
    for row in rows:
        row.known_sim_sid = known.get(row.iccid, "")
        if row.fleet:
            row.fleet_sid = fleets.get(row.fleet, "")
            if not row.fleet_sid:
                row.errors.append(
                    f"No fleet {row.fleet!r} is known here (give a fleet's SID or unique name)."
                )
        owner = name_owner.get(row.unique_name) if row.unique_name else None
        if owner is not None and owner != row.iccid and not row.known_sim_sid:
            row.errors.append(f"The unique name {row.unique_name!r} is already used by SIM {owner}.")
        counts[row.outcome] += 1
    return CsvCheck(rows=rows, counts=counts)


def csv_check_bytes(data: bytes) -> CsvCheck:
    return rows_check(csv_read(csv_decode(data)))
