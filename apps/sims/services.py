"""Sync write path for SIMs, billing periods, IP addresses and settings updates."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from apps.core.cache import data_changed
from apps.core.upsert import (
    IN_CHUNK,
    PagedUpsert,
    UpsertResult,
    bulk_upsert,
    parse_dt,
    sweep,
    upsert_one,
)

from .models import BillingPeriod, SettingsUpdate, Sim, SimIpAddress
from .selectors import SIMS_DATA


def sim_fields(item: dict) -> dict:
    return {
        "sid": item["sid"],
        "raw": item,
        "unique_name": item.get("unique_name") or "",
        "account_sid": item.get("account_sid") or "",
        "iccid": item.get("iccid") or "",
        "status": item.get("status") or "",
        "fleet_id": item.get("fleet_sid") or None,
        "date_created": parse_dt(item.get("date_created")),
        "date_updated": parse_dt(item.get("date_updated")),
    }


def billing_period_fields(item: dict, *, sim_sid: str | None = None) -> dict:
    return {
        "sid": item["sid"],
        "raw": item,
        "sim_id": sim_sid or item.get("sim_sid") or None,
        "account_sid": item.get("account_sid") or "",
        "start_time": parse_dt(item.get("start_time")),
        "end_time": parse_dt(item.get("end_time")),
        "period_type": item.get("period_type") or "",
        "date_created": parse_dt(item.get("date_created")),
        "date_updated": parse_dt(item.get("date_updated")),
    }


def settings_update_fields(item: dict) -> dict:
    return {
        "sid": item["sid"],
        "raw": item,
        "iccid": item.get("iccid") or "",
        "sim_id": item.get("sim_sid") or None,
        "status": item.get("status") or "",
        "packages": list(item.get("packages") or []),
        "date_completed": parse_dt(item.get("date_completed")),
        "date_created": parse_dt(item.get("date_created")),
        "date_updated": parse_dt(item.get("date_updated")),
    }


# --- SIMs -------------------------------------------------------------------------------------------------
# The SIM counts per fleet and status (apps.sims.selectors.sim_counts_by_fleet) are cached until SIMS_DATA
# changes: a sync run changes it once, when it ends (its sweep), not at every page (a 100k-row GROUP BY per
# page view while a sync runs); the UI path changes it only when a SIM's status, fleet or presence changed
# (not for a rename). Counts written by a sync may so lag by up to SIM_COUNTS_CACHE_SECONDS mid-run.
def sims_upsert(*, items: list[dict], run_id: int, now: datetime, seen: set | None = None) -> UpsertResult:
    return bulk_upsert(model=Sim, rows=[sim_fields(i) for i in items], run_id=run_id, now=now, seen=seen)


def sims_paged_upsert(*, run_id: int, now: datetime, seen: set) -> PagedUpsert:
    """The sync run's SIM upsert, page by page, prepared in the prefetch thread (see PagedUpsert)."""
    return PagedUpsert(model=Sim, to_row=sim_fields, run_id=run_id, now=now, seen=seen)


def sims_sweep(
    *, run_id: int, now: datetime, seen: set | None = None, candidates=None, changed: bool = True
) -> int:
    """The end of a complete run. ``changed``: whether the run wrote any SIM (the sync engine says so; a
    no-change pass leaves the cached counts alone, instead of a 100k-row recount after every pass)."""
    removed = sweep(model=Sim, run_id=run_id, now=now, seen=seen, candidates=candidates)
    if removed or changed:
        sim_counts_refresh()
    return removed


def sim_counts_refresh(*, fleets=None) -> None:
    """Make the ``SimCount`` rows of ``fleets`` (fleet SIDs; None or "" for SIMs in no fleet), or of every
    fleet when ``fleets`` is None, equal to a count of the live SIMs (one grouped query over those fleets'
    SIMs, by the fleet index; the whole table after a sync run), in one transaction; then the cached
    counts are stale (``SIMS_DATA``)."""
    from django.db.models import Count, Q

    from .models import SimCount

    with transaction.atomic():
        live = Sim.objects.filter(removed_at__isnull=True)
        if fleets is None:
            SimCount.objects.all().delete()
        else:
            keys = {f or "" for f in fleets}
            SimCount.objects.filter(fleet_sid__in=keys).delete()
            match = Q(fleet_id__in=[k for k in keys if k])
            if "" in keys:
                match |= Q(fleet_id__isnull=True)
            live = live.filter(match)
        rows = live.order_by().values_list("fleet_id", "status").annotate(n=Count("id"))
        SimCount.objects.bulk_create(
            [SimCount(fleet_sid=fleet or "", status=status, count=n) for fleet, status, n in rows],
            batch_size=5000,
        )
    data_changed(SIMS_DATA)


def sim_from_api(*, data: dict) -> Sim:
    counted = ("status", "fleet_id", "removed_at")
    before = Sim.objects.filter(sid=data.get("sid")).values_list(*counted).first()
    sim = upsert_one(model=Sim, row=sim_fields(data), now=timezone.now())
    if before != tuple(getattr(sim, name) for name in counted):
        sim_counts_refresh(fleets={before[1] if before else None, sim.fleet_id})
    return sim


# --- billing periods (per SIM) ----------------------------------------------------------------------------
def billing_periods_upsert(*, sim_sid: str, items: list[dict], run_id: int, now: datetime) -> UpsertResult:
    rows = [billing_period_fields(i, sim_sid=sim_sid) for i in items]
    return bulk_upsert(model=BillingPeriod, rows=rows, run_id=run_id, now=now)


def billing_periods_sweep(*, sim_sid: str, run_id: int, now: datetime) -> int:
    return sweep(model=BillingPeriod, run_id=run_id, now=now, sim_id=sim_sid)


# --- IP addresses (per SIM; the API's list is the SIM's whole current set) ---------------------------------
def sim_ip_addresses_upsert(*, sim_sid: str, items: list[dict], run_id: int, now: datetime) -> UpsertResult:
    """Replace the SIM's set of IP addresses with ``items`` (addresses no longer listed are deleted:
    they are transient state, not a resource with a history). Counts: new = created, kept = unchanged,
    kept with a different version = updated."""
    result = UpsertResult()
    wanted: dict[str, dict] = {}
    for item in items:
        ip = item.get("ip_address")
        if ip:
            wanted[ip] = item
    with transaction.atomic():
        existing = dict(
            SimIpAddress.objects.filter(sim_id=sim_sid).values_list("ip_address", "ip_address_version")
        )
        gone = [ip for ip in existing if ip not in wanted]
        for i in range(0, len(gone), IN_CHUNK):
            SimIpAddress.objects.filter(sim_id=sim_sid, ip_address__in=gone[i : i + IN_CHUNK]).delete()
        objs = []
        for ip, item in wanted.items():
            version = item.get("ip_address_version") or ""
            if ip not in existing:
                result.created += 1
            elif existing[ip] != version:
                result.updated += 1
            else:
                result.unchanged += 1
            objs.append(
                SimIpAddress(
                    sim_id=sim_sid, ip_address=ip, ip_address_version=version, raw=item, synced_at=now
                )
            )
        if objs:
            SimIpAddress.objects.bulk_create(
                objs,
                update_conflicts=True,
                unique_fields=["sim", "ip_address"],
                update_fields=["ip_address_version", "raw", "synced_at"],
            )
    return result


# --- settings updates -------------------------------------------------------------------------------------
def settings_updates_upsert(
    *, items: list[dict], run_id: int, now: datetime, seen: set | None = None
) -> UpsertResult:
    rows = [settings_update_fields(i) for i in items]
    return bulk_upsert(model=SettingsUpdate, rows=rows, run_id=run_id, now=now, seen=seen)


def settings_updates_sweep(*, run_id: int, now: datetime, seen: set | None = None) -> int:
    return sweep(model=SettingsUpdate, run_id=run_id, now=now, seen=seen)


def settings_update_from_api(*, data: dict) -> SettingsUpdate:
    return upsert_one(model=SettingsUpdate, row=settings_update_fields(data), now=timezone.now())


# === write services for the SIM pages (operator actions: API first, then local, then audit) ================
class SimStatusNotAllowed(ValueError):
    """The requested status is not a next state of the SIM's current status (refused before any API call)."""


def sim_state(sim: Sim) -> dict:
    """What the audit log keeps of a SIM before/after a change."""
    return {
        "status": sim.status,
        "fleet_sid": sim.fleet_id,
        "unique_name": sim.unique_name,
    }


def sim_status_callback_url(*, request=None, base: str | None = None) -> str | None:
    """``<PUBLIC_BASE_URL or the request's host>/webhooks/sim-status/`` (None when neither is known)."""
    from django.conf import settings

    root = (settings.PUBLIC_BASE_URL or base or "").rstrip("/")
    if not root and request is not None:
        root = request.build_absolute_uri("/").rstrip("/")
    return f"{root}/webhooks/sim-status/" if root else None


def _sim_write(
    *,
    sim: Sim,
    user,
    action: str,
    request,
    message: str = "",
    **changes,
) -> Sim:
    """UpdateSim with ``changes``; update the local row from the answer; audit (also on failure)."""
    from apps.audit.services import audit_api_failure, audit_record
    from apps.supersim.client import get_client
    from apps.supersim.errors import SuperSimError

    client = get_client()
    before = sim_state(sim)
    try:
        data = client.sim_update(sim.sid, **changes)
    except SuperSimError as exc:
        audit_api_failure(
            exc=exc,
            action=action,
            user=user,
            obj=sim,
            requested={k: v for k, v in changes.items() if k != "callback_url"},
            request=request,
        )
        raise
    http_status = client.last_status
    updated = sim_from_api(data=data)
    updated = Sim.objects.select_related("fleet", "fleet__network_access_profile").get(pk=updated.pk)
    audit_record(
        action=action,
        user=user,
        obj=updated,
        before=before,
        after=sim_state(updated),
        api_response={"http_status": http_status, "body": data},
        request=request,
        message=message or ("scheduled: the API applies the change later" if http_status == 202 else ""),
    )
    return updated


def sim_update_status(*, sim: Sim, status: str, user, request=None, callback_base: str | None = None) -> Sim:
    """Move a SIM to ``status`` (only an allowed next state). ``active`` may come back ``scheduled``
    (HTTP 202): the final state arrives by the status callback or the next fetch (:func:`sim_refresh`)."""
    from apps.audit.services import audit_record

    from .selectors import sim_allowed_statuses

    if status not in sim_allowed_statuses(status=sim.status):
        text = f"A SIM in status '{sim.status or 'unknown'}' cannot be set to '{status}'."
        audit_record(
            action="sim.update_status",
            user=user,
            obj=sim,
            requested={"status": status},
            request=request,
            success=False,
            message=text,
        )
        raise SimStatusNotAllowed(text)
    return _sim_write(
        sim=sim,
        user=user,
        action="sim.update_status",
        request=request,
        status=status,
        callback_url=sim_status_callback_url(request=request, base=callback_base),
        callback_method="POST",
    )


def sim_update_fleet(*, sim: Sim, fleet, user, request=None) -> Sim:
    """Move a SIM to another fleet (``fleet``: a ``Fleet`` or its SID)."""
    fleet_sid = fleet if isinstance(fleet, str) else fleet.sid
    return _sim_write(sim=sim, user=user, action="sim.update_fleet", request=request, fleet=fleet_sid)


def sim_rename(*, sim: Sim, unique_name: str, user, request=None) -> Sim:
    """Set the SIM's unique name (the API refuses a name another SIM has)."""
    return _sim_write(sim=sim, user=user, action="sim.rename", request=request, unique_name=unique_name)


def sim_refresh(*, sim: Sim) -> Sim:
    """Fetch the SIM from the API and update the local row (a read: no audit entry)."""
    from apps.supersim.client import get_client

    data = get_client().sim_fetch(sim.sid)
    updated = sim_from_api(data=data)
    return Sim.objects.select_related("fleet", "fleet__network_access_profile").get(pk=updated.pk)


BULK_KINDS = {"status": "sims.bulk_status", "fleet": "sims.bulk_fleet"}


class BulkNothingToDo(ValueError):
    """A bulk job over no SIM at all: refused, nothing is created (no "0 SIM(s)" job)."""


def sims_bulk_create_job(
    *,
    user,
    action: str,
    value: str,
    sims_queryset=None,
    sids: list[str] | None = None,
    request=None,
):
    """A background job changing the status (``action="status"``) or the fleet (``"fleet"``, value = fleet
    SID) of many SIMs, or adding / removing a tag (``"tag"`` / ``"untag"``, value = the tag's pk: local data,
    :func:`apps.annotations.services.tags_bulk_create_job`); returns the :class:`apps.core.models.Job` (its
    page shows live progress).
    Raises :class:`BulkNothingToDo` (and creates nothing) when there is no SIM to change."""
    from apps.core.jobs import job_create

    if action in ("tag", "untag"):  # local data: apps.annotations' job (batches of SIMs, no API call)
        from apps.annotations import services as annotations
        from apps.annotations.models import Tag

        try:
            return annotations.tags_bulk_create_job(
                user=user,
                tag=Tag.objects.get(pk=value),
                add=action == "tag",
                sims_queryset=sims_queryset,
                sids=sids,
                request=request,
            )
        except annotations.BulkNothingToDo as exc:
            raise BulkNothingToDo(str(exc)) from exc
    if action not in BULK_KINDS:
        raise ValueError(f"unknown bulk action {action!r}")
    if sims_queryset is None and sids is None:
        raise ValueError("give sims_queryset or sids")
    if sims_queryset is not None:
        keys = list(sims_queryset.order_by("id").values_list("sid", flat=True).iterator(chunk_size=5000))
    else:
        keys = list(dict.fromkeys(sids or []))
    if not keys:
        raise BulkNothingToDo("no SIM to change")
    payload = {action: value}
    if action == "status":
        title = f"Set status '{value}' on {len(keys):,} SIM(s)"
    else:
        from apps.fleets.models import Fleet

        fleet = Fleet.objects.filter(sid=value).first()
        title = f"Move {len(keys):,} SIM(s) to fleet {fleet or value}"
    params = {"action": action, "value": value}
    callback = sim_status_callback_url(request=request)
    if callback:
        params["callback_base"] = callback.removesuffix("/webhooks/sim-status/")
    return job_create(
        kind=BULK_KINDS[action],
        title=title,
        user=user,
        items=[(sid, payload) for sid in keys],
        params=params,
        request=request,
    )
