"""Job handlers of the sims app (autodiscovered by apps.core)."""

from apps.core.jobs import JobItemFailed, register_job_handler
from apps.sims.models import Sim
from apps.sims.onboarding import jobs as onboarding_jobs  # noqa: F401 - registers the onboarding handlers


def _job_sim(sid: str) -> Sim:
    sim = Sim.objects.select_related("fleet").filter(sid=sid).first()
    if sim is None:
        raise JobItemFailed(f"SIM {sid} is not in the local database (run a sync first)")
    return sim


@register_job_handler("sims.bulk_status")
def bulk_status(*, job, item) -> dict:
    """Set one SIM's status. Idempotent: a SIM already in (or scheduled towards) the status is left alone."""
    from apps.sims.services import SimStatusNotAllowed, sim_update_status

    target = item.payload["status"]
    sim = _job_sim(item.key)
    if sim.status == target or (target == "active" and sim.status == "scheduled"):
        return {"status": sim.status, "changed": "no"}
    try:
        sim = sim_update_status(
            sim=sim, status=target, user=job.created_by, callback_base=job.params.get("callback_base")
        )
    except SimStatusNotAllowed as exc:
        raise JobItemFailed(str(exc)) from exc
    return {"status": sim.status, "changed": "yes"}


@register_job_handler("sims.bulk_fleet")
def bulk_fleet(*, job, item) -> dict:
    """Move one SIM to a fleet. Idempotent: a SIM already in the fleet is left alone."""
    from apps.sims.services import sim_update_fleet

    fleet_sid = item.payload["fleet"]
    sim = _job_sim(item.key)
    if sim.fleet_id == fleet_sid:
        return {"fleet": fleet_sid, "changed": "no"}
    sim = sim_update_fleet(sim=sim, fleet=fleet_sid, user=job.created_by)
    return {"fleet": sim.fleet_id or "", "changed": "yes"}
