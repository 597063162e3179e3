"""Job handlers for CSV onboarding (registered on import).

``sims.onboard``: one item per CSV row. Idempotent: a SIM already on the account is reported as
"already registered" (no second CreateSim); right after CreateSim succeeds the item notes the new SID in its
payload, so an item re-run after a worker crash finishes the configuration instead of registering again.
"""

from __future__ import annotations

from apps.annotations import onboarding as annotation_onboarding
from apps.core.jobs import JobItemFailed, register_job_handler
from apps.core.models import JobItem
from apps.sims.models import Sim
from apps.supersim.errors import SuperSimError

from .services import ONBOARD_JOB_KIND, sim_configure, sim_error_text, sim_register_only

REGISTERED, ALREADY = "registered", "already registered"


def _registered_by_this_job(*, job, item, sim: Sim) -> bool:
    """A SIM found on the account at a re-run: did an earlier attempt of this very item register it?"""
    if item.payload.get("registered_sid") == sim.sid:
        return True
    # the API's dates have whole seconds: compare from the second the job was created
    since = job.created_at.replace(microsecond=0)
    if sim.date_created is None or sim.date_created < since:
        return False
    # claims so far, this one included (the in-memory item may predate the claim)
    attempts = JobItem.objects.filter(pk=item.pk).values_list("attempts", flat=True).first() or 0
    return attempts > 1


def _result(payload: dict, sim: Sim | None, outcome: str, note: str = "") -> dict:
    return {
        "line": payload.get("line", ""),
        "outcome": outcome,
        "sim_sid": sim.sid if sim else "",
        "unique_name": sim.unique_name if sim else "",
        "fleet_sid": (sim.fleet_id or "") if sim else "",
        "sim_status": sim.status if sim else "",
        "note": note,
    }


def _failed(payload: dict, message: str, sim: Sim | None = None) -> JobItemFailed:
    """A failed row keeps its CSV line (and the SIM's SID when it was registered) for the results CSV."""
    result = {"line": payload.get("line", "")}
    if sim is not None:
        result["sim_sid"] = sim.sid
    return JobItemFailed(message, result=result)


def _forget_code(item, payload: dict) -> None:
    """The registration code is not needed once the SIM is on the account: do not keep it."""
    JobItem.objects.filter(pk=item.pk).update(payload={**payload, "registration_code": ""})


def _annotate(payload: dict, sim: Sim | None, user) -> None:
    """The row's tags and custom field values (optional CSV columns) onto the SIM: local data, idempotent."""
    if sim is not None and payload.get("annotations"):
        annotation_onboarding.apply(sid=sim.sid, payload=payload["annotations"], user=user)


def _already(item, payload: dict, sim: Sim | None, user=None) -> dict:
    _forget_code(item, payload)
    _annotate(payload, sim, user)
    return _result(payload, sim, ALREADY)


@register_job_handler(ONBOARD_JOB_KIND)
def onboard_sim(*, job, item) -> dict:
    payload = item.payload
    if payload.get("error"):
        raise _failed(payload, payload["error"])
    iccid = payload["iccid"]
    user = job.created_by
    sim = Sim.objects.filter(iccid=iccid, removed_at__isnull=True).first()
    if sim is not None and not _registered_by_this_job(job=job, item=item, sim=sim):
        return _already(item, payload, sim, user)
    if sim is None:
        try:
            sim = sim_register_only(iccid=iccid, registration_code=payload["registration_code"], user=user)
        except SuperSimError as exc:
            if exc.retryable:
                raise  # rate limit / outage: the job framework puts the item back for a later pass
            found = getattr(exc, "sim", None)
            if found is not None and _registered_by_this_job(job=job, item=item, sim=found):
                sim = found  # an earlier attempt's CreateSim went through after all
            elif found is not None or exc.code == 83003:
                return _already(item, payload, found, user)
            else:
                raise _failed(payload, sim_error_text(exc)) from None
        # note the SID at once: a re-run after a crash continues from here and never registers twice
        payload = {**payload, "registered_sid": sim.sid}
        JobItem.objects.filter(pk=item.pk).update(payload=payload)
    outcome = sim_configure(
        sim=sim,
        unique_name=payload.get("unique_name", ""),
        fleet_sid=payload.get("fleet_sid", ""),
        status=payload.get("status", ""),
        user=user,
    )
    if outcome.configure_error is not None:
        raise _failed(
            payload,
            f"Registered as {sim.sid}, but setting name/fleet/status failed: "
            f"{sim_error_text(outcome.configure_error)}",
            sim=sim,
        )
    _forget_code(item, payload)
    _annotate(payload, outcome.sim, user)
    return _result(payload, outcome.sim, REGISTERED, "status change scheduled" if outcome.scheduled else "")
