"""Reads for the commands pages and the home dashboard (local rows only)."""

from __future__ import annotations

from itertools import chain

from .models import IpCommand, SmsCommand


def commands_recent(*, direction: str | None = None, limit: int = 10) -> list:
    """The latest SMS and IP commands together, newest first (two small indexed queries), each with its SIM
    (for ``sim_label``)."""
    sms = SmsCommand.objects.select_related("sim").defer("raw", "sim__raw")
    ip = IpCommand.objects.select_related("sim").defer("raw", "sim__raw")
    if direction:
        sms, ip = sms.filter(direction=direction), ip.filter(direction=direction)
    rows = chain(sms.order_by("-date_created", "-id")[:limit], ip.order_by("-date_created", "-id")[:limit])
    return sorted(rows, key=lambda c: (c.date_created is not None, c.date_created), reverse=True)[:limit]


#: the SIM statuses in which the API accepts a command for a SIM (others are refused: 83300 / 83400)
COMMAND_READY_STATUSES = ("ready", "active")
PROBLEMS_SHOWN = 20


def sim_label(*, unique_name: str = "", iccid: str = "", sid: str = "") -> str:
    """How a SIM is named on the commands pages: ``"name · ICCID"``, the ICCID alone when it has no name,
    the SID only when neither is known (a SIM not synced yet)."""
    parts = [p for p in (unique_name, iccid) if p]
    return " · ".join(parts) if parts else sid


def sim_labels(sids) -> dict[str, str]:
    """``{sid: sim_label}`` for these SIM SIDs (one query; an unknown SID is labelled with itself)."""
    from apps.sims.models import Sim

    sids = list(sids)
    found = {
        sid: sim_label(unique_name=name, iccid=iccid, sid=sid)
        for sid, name, iccid in Sim.objects.filter(sid__in=sids).values_list("sid", "unique_name", "iccid")
    }
    return {sid: found.get(sid, sid) for sid in sids}


def command_target_problems(*, kind: str, sids: list[str], fleet_sid: str = "") -> dict:
    """Which of the SIMs an operator is about to send a ``kind`` (``"sms"``/``"ip"``) command to the API will
    refuse, from the local rows: a SIM not ``ready``/``active``, or (SMS only) a SIM whose fleet has
    ``sms_commands_enabled`` false (the Fleet has no such switch for IP commands; unknown counts as on).

    ``fleet_sid``: the targets are that fleet's active SIMs (queried by fleet, not by a list of SIDs).
    Returns ``{"count": n, "sids": set of every refused SID, "items": the first PROBLEMS_SHOWN as dicts
    (sid, label, status, reason)}``.
    """
    from django.db.models import Q

    from apps.sims.models import Sim

    qs = Sim.objects.filter(fleet_id=fleet_sid, status="active", removed_at__isnull=True) if fleet_sid else (
        Sim.objects.filter(sid__in=sids)
    )  # fmt: skip
    refused = ~Q(status__in=COMMAND_READY_STATUSES)
    if kind == "sms":
        refused |= Q(fleet__sms_commands_enabled=False)
    rows = (
        qs.filter(refused)
        .order_by("sid")
        .values_list("sid", "unique_name", "iccid", "status", "fleet__unique_name", "fleet_id")
    )
    problems: set[str] = set()
    items = []
    for sid, name, iccid, status, fleet_name, fleet_id in rows.iterator():
        problems.add(sid)
        if len(items) >= PROBLEMS_SHOWN:
            continue
        if status not in COMMAND_READY_STATUSES:
            reason = f"status {status or 'unknown'}: only ready or active SIMs take commands"
        else:
            reason = f"fleet {fleet_name or fleet_id} has SMS commands disabled"
        items.append(
            {"sid": sid, "label": sim_label(unique_name=name, iccid=iccid, sid=sid), "reason": reason}
        )
    return {"count": len(problems), "sids": problems, "items": items}
