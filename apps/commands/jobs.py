"""Bulk commands: one job item per SIM (key = SIM SID).

Idempotent: the send service writes its audit entry with the job item's marker in the same breath as the
local command row, so an item run again after a worker crash finds that entry and does not send twice.
"""

from __future__ import annotations

from apps.core.jobs import JobItemFailed, register_job_handler
from apps.supersim.errors import SuperSimError

from .selectors import sim_labels
from .services import PayloadError, ip_command_send, sms_command_send


def _marker(item) -> str:
    return f"job:{item.job_id}:item:{item.pk}"


def _refused(item, exc: SuperSimError) -> JobItemFailed:
    """The API refused this SIM's command: the item fails with the SIM's name/ICCID and the API's error (a
    rate limit or an outage is not a refusal: it propagates and the item is tried again later)."""
    if exc.retryable:
        raise exc
    return JobItemFailed(f"Refused for SIM {sim_labels([item.key])[item.key]}: {exc}")


def _already_sent(item, action: str) -> dict | None:
    from apps.audit.models import AuditEvent

    sid = (
        AuditEvent.objects.filter(action=action, success=True, message=_marker(item))
        .values_list("object_id", flat=True)
        .first()
    )
    return {"command_sid": sid, "resumed": True} if sid else None


@register_job_handler("commands.sms_send")
def sms_send(*, job, item) -> dict:
    done = _already_sent(item, "sms_command.send")
    if done:
        return done
    try:
        cmd = sms_command_send(
            sim_sid=item.key, payload=job.params["payload"], user=job.created_by, note=_marker(item)
        )
    except PayloadError as exc:
        raise JobItemFailed(str(exc)) from exc
    except SuperSimError as exc:
        raise _refused(item, exc) from exc
    return {"command_sid": cmd.sid, "status": cmd.status}


@register_job_handler("commands.ip_send")
def ip_send(*, job, item) -> dict:
    done = _already_sent(item, "ip_command.send")
    if done:
        return done
    params = job.params
    try:
        cmd = ip_command_send(
            sim_sid=item.key,
            payload=params["payload"],
            payload_type=params["payload_type"],
            device_port=params["device_port"],
            user=job.created_by,
            note=_marker(item),
        )
    except PayloadError as exc:
        raise JobItemFailed(str(exc)) from exc
    except SuperSimError as exc:
        raise _refused(item, exc) from exc
    return {"command_sid": cmd.sid, "status": cmd.status}
