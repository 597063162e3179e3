"""Onboarding write services: register one SIM (CreateSim, then UpdateSim for name/fleet/status), and the
CSV draft kept server-side between preview and confirm, turned into a background job on confirm."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.core.cache import cache
from django.urls import NoReverseMatch
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.audit.services import audit_api_failure, audit_record
from apps.core.jobs import job_create
from apps.core.models import Job
from apps.sims.models import Sim
from apps.sims.services import sim_from_api
from apps.supersim.client import get_client
from apps.supersim.errors import SuperSimError

from .csvfile import CsvCheck, CsvRejected, csv_check_bytes

ONBOARD_JOB_KIND = "sims.onboard"
WRONG_PAIR, ALREADY_ON_ACCOUNT, NEEDS_FLEET = 83002, 83003, 83007

#: Super SIM error codes in words (the code and the API's own message are shown next to these).
ERROR_WORDS: dict[int, str] = {
    WRONG_PAIR: "The ICCID and registration code do not match: check both on the SIM's card.",
    ALREADY_ON_ACCOUNT: "This SIM is already on this account.",
    NEEDS_FLEET: "The SIM must be in a fleet before it can be made ready or active.",
    83010: "The SIM's status cannot be changed that way.",
    83011: "Another SIM already has this unique name.",
    20001: "The API refused a parameter.",
    20003: "The API refused our credentials: check the Super SIM settings.",
    20404: "The API does not know this resource.",
    20429: "The API is rate limiting us; try again in a minute.",
}


def sim_error_text(error: SuperSimError) -> str:
    """One sentence for the operator: our words for the code, then the API's code and message."""
    words = ERROR_WORDS.get(error.code or 0, "")
    if not words:
        if error.status == 0:
            words = "The Super SIM API could not be reached."
        elif error.status >= 500:
            words = "The Super SIM API had an outage; nothing may have happened, try again."
    detail = f"(error {error.code}: {error.message})" if error.code else f"({error.message})"
    return f"{words} {detail}".strip()


def sim_url(sim: Sim | None) -> str:
    """The SIM's page, or "" while the SIMs pages are not installed."""
    if sim is None:
        return ""
    try:
        return sim.get_absolute_url()
    except NoReverseMatch:
        return ""


def sim_state(sim: Sim) -> dict:
    return {
        "sid": sim.sid,
        "iccid": sim.iccid,
        "unique_name": sim.unique_name,
        "status": sim.status,
        "fleet_sid": sim.fleet_id or "",
    }


def sim_find_by_iccid(*, iccid: str) -> Sim | None:
    """The local SIM with this ICCID; if not synced yet, fetched from the API and stored."""
    sim = Sim.objects.filter(iccid=iccid, removed_at__isnull=True).first()
    if sim is not None:
        return sim
    try:
        found = get_client().sims_list(iccid=iccid, limit=1)
    except SuperSimError:
        return None
    return sim_from_api(data=found[0]) if found else None


@dataclass
class SimRegistration:
    sim: Sim
    #: the API answered 202: the status change (to active) is scheduled, the final state comes later
    scheduled: bool = False
    #: registered, but setting name/fleet/status failed (the SIM stays registered)
    configure_error: SuperSimError | None = None


def sim_register_only(
    *,
    iccid: str,
    registration_code: str,
    user,
    request=None,
    source: str = AuditEvent.Source.UI,
) -> Sim:
    """CreateSim; the local row from the API's answer.

    Raises :class:`SuperSimError` when CreateSim fails (nothing local changes); for 83003 (already on this
    account) the error gets a ``sim`` attribute: the existing SIM (found locally or fetched), else None.
    """
    try:
        data = get_client().sim_create(iccid=iccid, registration_code=registration_code)
    except SuperSimError as exc:
        exc.sim = sim_find_by_iccid(iccid=iccid) if exc.code == ALREADY_ON_ACCOUNT else None
        audit_api_failure(
            exc=exc,
            action="sim.register",
            user=user,
            obj=exc.sim,
            object_type="sim",
            object_id=iccid if exc.sim is None else "",
            object_repr=iccid if exc.sim is None else "",
            requested={"iccid": iccid},
            request=request,
            source=source,
            message=sim_error_text(exc),
        )
        raise
    sim = sim_from_api(data=data)
    audit_record(
        action="sim.register",
        user=user,
        obj=sim,
        after=sim_state(sim),
        api_response=data,
        request=request,
        source=source,
    )
    return sim


def sim_register(
    *,
    iccid: str,
    registration_code: str,
    unique_name: str = "",
    fleet_sid: str = "",
    status: str = "",
    user,
    request=None,
    source: str = AuditEvent.Source.UI,
) -> SimRegistration:
    """Register one SIM (CreateSim), then give it a name/fleet/status if asked (UpdateSim).

    Raises :class:`SuperSimError` if CreateSim fails (see :func:`sim_register_only`); a failed UpdateSim
    leaves the SIM registered and is returned in ``configure_error``.
    """
    sim = sim_register_only(
        iccid=iccid, registration_code=registration_code, user=user, request=request, source=source
    )
    return sim_configure(
        sim=sim,
        unique_name=unique_name,
        fleet_sid=fleet_sid,
        status=status,
        user=user,
        request=request,
        source=source,
    )


def sim_configure(
    *,
    sim: Sim,
    unique_name: str = "",
    fleet_sid: str = "",
    status: str = "",
    user,
    request=None,
    source: str = AuditEvent.Source.UI,
) -> SimRegistration:
    """The UpdateSim after registration (only what was asked and differs); errors are returned, not raised."""
    changes = {}
    if unique_name and unique_name != sim.unique_name:
        changes["unique_name"] = unique_name
    if fleet_sid and fleet_sid != sim.fleet_id:
        changes["fleet"] = fleet_sid
    if status and status != sim.status and not (status == "active" and sim.status == "scheduled"):
        changes["status"] = status
    if not changes:
        return SimRegistration(sim=sim)
    before = sim_state(sim)
    client = get_client()
    try:
        data = client.sim_update(sim.sid, **changes)
    except SuperSimError as exc:
        audit_api_failure(
            exc=exc,
            action="sim.update",
            user=user,
            obj=sim,
            requested=changes,
            request=request,
            source=source,
            message=sim_error_text(exc),
        )
        return SimRegistration(sim=sim, configure_error=exc)
    scheduled = client.last_status == 202
    sim = sim_from_api(data=data)
    audit_record(
        action="sim.update",
        user=user,
        obj=sim,
        before=before,
        after=sim_state(sim),
        api_response=data,
        request=request,
        source=source,
        message="status change scheduled" if scheduled else "",
    )
    return SimRegistration(sim=sim, scheduled=scheduled)


# --- CSV drafts: the uploaded file, kept server-side (cache) between preview and confirm --------------------
DRAFT_TTL = 3600


def _draft_key(token: str) -> str:
    return f"sims:onboarding:draft:{token}"


@dataclass
class OnboardingDraft:
    token: str
    user_id: int
    filename: str
    data: bytes

    def check(self) -> CsvCheck:
        """Parse and validate again (never trust what was stored or re-posted: the data may have changed)."""
        return csv_check_bytes(self.data)


def onboarding_draft_create(*, data: bytes, filename: str, user) -> tuple[OnboardingDraft, CsvCheck]:
    """Validate an uploaded file and keep it for the preview. Raises :class:`CsvRejected` (nothing stored)."""
    result = csv_check_bytes(data)  # refuses hostile files before anything is kept
    draft = OnboardingDraft(
        token=secrets.token_urlsafe(18), user_id=user.pk, filename=filename[:120], data=data
    )
    cache.set(
        _draft_key(draft.token),
        {"user_id": draft.user_id, "filename": draft.filename, "data": draft.data},
        DRAFT_TTL,
    )
    return draft, result


def onboarding_draft_get(*, token: str, user) -> OnboardingDraft | None:
    """The user's own draft, or None (unknown, expired, confirmed already, or someone else's)."""
    stored = cache.get(_draft_key(token)) if token else None
    if not stored or stored.get("user_id") != user.pk:
        return None
    return OnboardingDraft(
        token=token, user_id=stored["user_id"], filename=stored["filename"], data=stored["data"]
    )


def onboarding_confirm(*, token: str, user, request=None) -> Job:
    """Turn a draft into a job (one item per row; invalid rows fail with their reason). Once only: a second
    confirm of the same token (double click, two tabs) raises :class:`CsvRejected`."""
    draft = onboarding_draft_get(token=token, user=user)
    if draft is None:
        raise CsvRejected("This upload has expired or was already started. Upload the file again.")
    result = draft.check()
    if not cache.add(_draft_key(token) + ":confirmed", timezone.now().isoformat(), DRAFT_TTL):
        raise CsvRejected("This upload was already started. Upload the file again to run it once more.")
    cache.delete(_draft_key(token))
    items = [(row.iccid or f"line {row.line}", row.payload()) for row in result.rows]
    return job_create(
        kind=ONBOARD_JOB_KIND,
        title=f"Onboard {len(items):,} SIMs from {draft.filename}",
        user=user,
        items=items,
        params={
            "filename": draft.filename,
            "rows": len(items),
            "new": result.new,
            "known": result.known,
            "invalid": result.invalid,
        },
        request=request,
    )
