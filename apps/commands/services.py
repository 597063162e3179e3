"""Sync write path for SMS and IP commands (no sweep: command history is kept)."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from apps.core.upsert import UpsertResult, bulk_upsert, parse_dt, upsert_one

from .models import IpCommand, SmsCommand


def sms_command_fields(item: dict) -> dict:
    return {
        "sid": item["sid"],
        "raw": item,
        "account_sid": item.get("account_sid") or "",
        "sim_id": item.get("sim_sid") or None,
        "payload": item.get("payload") or "",
        "status": item.get("status") or "",
        "direction": item.get("direction") or "",
        "date_created": parse_dt(item.get("date_created")),
        "date_updated": parse_dt(item.get("date_updated")),
    }


def ip_command_fields(item: dict) -> dict:
    return {
        "sid": item["sid"],
        "raw": item,
        "account_sid": item.get("account_sid") or "",
        "sim_id": item.get("sim_sid") or None,
        "sim_iccid": item.get("sim_iccid") or "",
        "status": item.get("status") or "",
        "direction": item.get("direction") or "",
        "device_ip": item.get("device_ip") or "",
        "device_port": item.get("device_port"),
        "payload_type": item.get("payload_type") or "",
        "payload": item.get("payload") or "",
        "date_created": parse_dt(item.get("date_created")),
        "date_updated": parse_dt(item.get("date_updated")),
    }


def sms_commands_upsert(*, items: list[dict], run_id: int, now: datetime) -> UpsertResult:
    return bulk_upsert(model=SmsCommand, rows=[sms_command_fields(i) for i in items], run_id=run_id, now=now)


def ip_commands_upsert(*, items: list[dict], run_id: int, now: datetime) -> UpsertResult:
    return bulk_upsert(model=IpCommand, rows=[ip_command_fields(i) for i in items], run_id=run_id, now=now)


def sms_command_from_api(*, data: dict) -> SmsCommand:
    return upsert_one(model=SmsCommand, row=sms_command_fields(data), now=timezone.now())


def ip_command_from_api(*, data: dict) -> IpCommand:
    return upsert_one(model=IpCommand, row=ip_command_fields(data), now=timezone.now())


# =========================================================================================================
# Write services (sending commands) and webhook processing, appended below the sync upserts.
# =========================================================================================================
import base64  # noqa: E402
import binascii  # noqa: E402
import hashlib  # noqa: E402
import logging  # noqa: E402

from django.conf import settings  # noqa: E402
from django.db import IntegrityError, transaction  # noqa: E402
from django.urls import reverse  # noqa: E402

from .models import WebhookReceipt  # noqa: E402

logger = logging.getLogger(__name__)

SMS_MAX_CHARS = 160
IP_MAX_BYTES = 1300
#: how far along a command is; a callback never moves a command backwards (replays, out-of-order delivery)
STATUS_RANK = {"queued": 0, "sent": 1, "delivered": 2, "received": 2, "failed": 3}
FINAL_STATUSES = ("delivered", "received", "failed")


class PayloadError(ValueError):
    """The payload cannot be sent as given (too long, not valid base64/hex)."""


def decode_ip_payload(*, payload: str, payload_type: str, encoding: str = "base64") -> tuple[bytes, str]:
    """(raw bytes, the payload as the API takes it). Binary payloads go to the API as base64; ``encoding``
    says how the operator typed them (``base64`` or ``hex``). Raises :class:`PayloadError`."""
    if payload_type == "text":
        raw = payload.encode("utf-8")
        api_payload = payload
    elif encoding == "hex":
        compact = "".join(payload.split())
        if compact.lower().startswith("0x"):
            compact = compact[2:]
        try:
            raw = bytes.fromhex(compact)
        except ValueError:
            raise PayloadError("Not valid hexadecimal: use pairs of 0-9/a-f digits.") from None
        api_payload = base64.b64encode(raw).decode("ascii")
    else:
        compact = "".join(payload.split())
        try:
            raw = base64.b64decode(compact, validate=True)
        except (binascii.Error, ValueError):
            raise PayloadError("Not valid base64.") from None
        api_payload = compact
    if not raw:
        raise PayloadError("The payload is empty.")
    if len(raw) > IP_MAX_BYTES:
        raise PayloadError(f"The payload is {len(raw)} bytes; at most {IP_MAX_BYTES} bytes are allowed.")
    return raw, api_payload


def payload_bytes(command) -> bytes:
    """The bytes a command carries (IP binary payloads are base64 in the API)."""
    if getattr(command, "payload_type", "") == "binary":
        try:
            return base64.b64decode(command.payload or "", validate=False)
        except (binascii.Error, ValueError):
            return (command.payload or "").encode()
    return (command.payload or "").encode("utf-8")


def payload_text(raw: bytes) -> str | None:
    """The payload as text when it is printable UTF-8 (tabs and line breaks allowed), else ``None``: a binary
    payload is shown as hex, never as replacement characters."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text if all(c.isprintable() or c in "\t\r\n" for c in text) else None


def payload_preview(command, limit: int = 60) -> str:
    """One line for lists and feeds: the text (cut at ``limit`` characters) when printable, else the hex of
    the first bytes (``"hex de ad be ef"``)."""
    raw = payload_bytes(command)
    text = payload_text(raw)
    if text is not None:
        return text if len(text) <= limit else text[: limit - 1] + "…"
    shown = raw[: max(1, limit // 3)]
    return "hex " + shown.hex(" ") + (" …" if len(raw) > len(shown) else "")


def webhook_url(name: str, *, request=None) -> str | None:
    """The public URL of one of our webhook endpoints (``PUBLIC_BASE_URL`` first, else the request's)."""
    path = reverse(f"webhooks:{name}")
    base = settings.PUBLIC_BASE_URL
    if base:
        return base.rstrip("/") + path
    if request is not None:
        return request.build_absolute_uri(path)
    return None


def _sim_name(sim_sid: str) -> str:
    from .selectors import sim_labels

    return sim_labels([sim_sid])[sim_sid]


def _command_state(cmd) -> dict:
    return {"status": cmd.status, "sim": cmd.sim_id, "direction": cmd.direction}


def sms_command_send(
    *, sim_sid: str, payload: str, user, request=None, source: str = "ui", note: str = ""
) -> SmsCommand:
    """Send an SMS command (at most 160 characters) to one SIM; the local row comes from the API's answer.
    On :class:`SuperSimError` nothing local is written, a failed audit entry is, and the error is raised."""
    from apps.audit.services import audit_api_failure, audit_record
    from apps.supersim.client import get_client
    from apps.supersim.errors import SuperSimError

    if not payload:
        raise PayloadError("The payload is empty.")
    if len(payload) > SMS_MAX_CHARS:
        raise PayloadError(f"The payload is {len(payload)} characters; at most {SMS_MAX_CHARS} are allowed.")
    try:
        data = get_client().sms_command_create(
            sim=sim_sid, payload=payload, callback_url=webhook_url("command_status", request=request)
        )
    except SuperSimError as exc:
        audit_api_failure(
            exc=exc,
            action="sms_command.send",
            user=user,
            object_type="smscommand",
            object_id=sim_sid,
            object_repr=f"SMS to {_sim_name(sim_sid)}",
            requested={"sim": sim_sid, "payload": payload},
            request=request,
            source=source,
        )
        raise
    cmd = sms_command_from_api(data=data)
    audit_record(
        action="sms_command.send",
        user=user,
        obj=cmd,
        after=_command_state(cmd) | {"payload": cmd.payload},
        api_response=data,
        request=request,
        source=source,
        message=note,
    )
    return cmd


def ip_command_send(
    *,
    sim_sid: str,
    payload: str,
    payload_type: str,
    device_port: int,
    user,
    encoding: str = "base64",
    request=None,
    source: str = "ui",
    note: str = "",
) -> IpCommand:
    """Send an IP command (text, or binary typed as base64/hex; at most 1300 bytes) to a device port."""
    from apps.audit.services import audit_api_failure, audit_record
    from apps.supersim.client import get_client
    from apps.supersim.errors import SuperSimError

    if not 1 <= int(device_port) <= 65535:
        raise PayloadError("The device port must be between 1 and 65535.")
    _, api_payload = decode_ip_payload(payload=payload, payload_type=payload_type, encoding=encoding)
    try:
        data = get_client().ip_command_create(
            sim=sim_sid,
            payload=api_payload,
            device_port=int(device_port),
            payload_type=payload_type,
            callback_url=webhook_url("command_status", request=request),
        )
    except SuperSimError as exc:
        audit_api_failure(
            exc=exc,
            action="ip_command.send",
            user=user,
            object_type="ipcommand",
            object_id=sim_sid,
            object_repr=f"IP command to {_sim_name(sim_sid)}",
            requested={
                "sim": sim_sid,
                "payload": api_payload,
                "payload_type": payload_type,
                "port": device_port,
            },
            request=request,
            source=source,
        )
        raise
    cmd = ip_command_from_api(data=data)
    audit_record(
        action="ip_command.send",
        user=user,
        obj=cmd,
        after=_command_state(cmd) | {"payload": cmd.payload, "port": cmd.device_port},
        api_response=data,
        request=request,
        source=source,
        message=note,
    )
    return cmd


def command_refresh(*, command):
    """Fetch one command from the API and update the local row from the answer (status catch-up when no
    callback can reach us). Raises SuperSimError."""
    from apps.supersim.client import get_client

    client = get_client()
    if isinstance(command, SmsCommand):
        return sms_command_from_api(data=client.sms_command_fetch(command.sid))
    return ip_command_from_api(data=client.ip_command_fetch(command.sid))


# --- webhooks ----------------------------------------------------------------------------------------------
def _flat(params) -> dict:
    """QueryDict / dict -> plain dict (repeated keys become lists)."""
    if hasattr(params, "lists"):
        return {k: (v[0] if len(v) == 1 else v) for k, v in params.lists()}
    return dict(params)


def webhook_params_hash(*, endpoint: str, params: dict) -> str:
    items = sorted((str(k), str(v)) for k, v in params.items())
    return hashlib.sha256(repr((endpoint, items)).encode()).hexdigest()


def webhook_receive(*, endpoint: str, params, idempotency_token: str = "") -> WebhookReceipt | None:
    """Store one signature-checked delivery; ``None`` when it was seen before (a replay: nothing changes).
    The processing is queued on commit (a task), so the endpoint answers at once."""
    from .tasks import webhook_process_task

    flat = _flat(params)
    digest = webhook_params_hash(endpoint=endpoint, params=flat)
    token = (idempotency_token or "")[:128]
    if token and WebhookReceipt.objects.filter(idempotency_token=token, endpoint=endpoint).exists():
        return None
    try:
        with transaction.atomic():
            receipt = WebhookReceipt.objects.create(
                endpoint=endpoint, params_hash=digest, idempotency_token=token, params=flat
            )
    except IntegrityError:
        return None
    webhook_process_task.delay_on_commit(receipt.pk)
    return receipt


def _p(params: dict, *names: str) -> str:
    for name in names:
        value = params.get(name)
        if isinstance(value, list):
            value = value[0] if value else ""
        if value:
            return str(value)
    return ""


def _apply_command_status(*, model, sid: str, params: dict) -> str:
    from apps.audit.services import audit_record

    status = _p(params, "Status").lower()
    cmd = model.objects.filter(sid=sid).first()
    if cmd is None:
        cmd = command_refresh(command=model(sid=sid))
        audit_record(
            action=f"{model._meta.model_name}.status", obj=cmd, after=_command_state(cmd), source="webhook"
        )
        return f"fetched {sid}: {cmd.status}"
    if STATUS_RANK.get(status, -1) <= STATUS_RANK.get(cmd.status, -1):
        return f"{sid}: {status} not newer than {cmd.status}"
    before = _command_state(cmd)
    updated = parse_dt(_p(params, "DateUpdated")) or timezone.now()
    model.objects.filter(pk=cmd.pk, status=cmd.status).update(status=status, date_updated=updated)
    cmd.refresh_from_db()
    audit_record(
        action=f"{model._meta.model_name}.status",
        obj=cmd,
        before=before,
        after=_command_state(cmd),
        api_response=params,
        source="webhook",
    )
    return f"{sid}: {before['status']} -> {cmd.status}"


def _incoming_command(*, endpoint: str, params: dict, digest: str) -> str:
    """A device-originated command delivered to the Fleet's SMS/IP commands URL."""
    from apps.audit.services import audit_record

    now_iso = timezone.now().isoformat()
    if endpoint == "sms_commands":
        sid = _p(params, "SmsCommandSid", "CommandSid", "Sid") or f"HC{digest[:32]}"
        cmd = sms_command_from_api(
            data={
                "sid": sid,
                "account_sid": _p(params, "AccountSid"),
                "sim_sid": _p(params, "SimSid"),
                "payload": _p(params, "Payload"),
                "status": _p(params, "Status") or "received",
                "direction": _p(params, "Direction") or "from_sim",
                "date_created": _p(params, "DateCreated") or now_iso,
                "date_updated": _p(params, "DateUpdated") or now_iso,
            }
        )
    else:
        sid = _p(params, "IpCommandSid", "CommandSid", "Sid") or f"HG{digest[:32]}"
        port = _p(params, "DevicePort")
        cmd = ip_command_from_api(
            data={
                "sid": sid,
                "account_sid": _p(params, "AccountSid"),
                "sim_sid": _p(params, "SimSid"),
                "sim_iccid": _p(params, "SimIccid"),
                "payload": _p(params, "Payload"),
                "payload_type": _p(params, "PayloadType") or "binary",
                "device_ip": _p(params, "DeviceIp"),
                "device_port": int(port) if port.isdigit() else None,
                "status": _p(params, "Status") or "received",
                "direction": _p(params, "Direction") or "from_sim",
                "date_created": _p(params, "DateCreated") or now_iso,
                "date_updated": _p(params, "DateUpdated") or now_iso,
            }
        )
    audit_record(
        action=f"{cmd._meta.model_name}.receive", obj=cmd, after=_command_state(cmd), source="webhook"
    )
    return f"stored {cmd.sid}"


def _sim_status(*, params: dict) -> str:
    from apps.audit.services import audit_record
    from apps.sims.models import Sim
    from apps.sims.services import sim_from_api
    from apps.supersim.client import get_client

    sid = _p(params, "SimSid", "Sid")
    if not sid:
        return "no SimSid"
    before = Sim.objects.filter(sid=sid).values("status", "fleet_id").first()
    sim = sim_from_api(data=get_client().sim_fetch(sid))  # the API's current state, never a guess
    after = {"status": sim.status, "fleet_id": sim.fleet_id}
    audit_record(
        action="sim.status_callback",
        obj=sim,
        before=before,
        after=after,
        api_response=params,
        source="webhook",
        message=f"callback status {_p(params, 'Status')}",
    )
    return f"{sid}: {(before or {}).get('status')} -> {sim.status}"


def _esim_status(*, params: dict) -> str:
    from apps.audit.services import audit_record
    from apps.esims.models import EsimProfile
    from apps.esims.services import esim_profile_from_api
    from apps.supersim.client import get_client

    sid = _p(params, "EsimProfileSid", "ESimProfileSid", "Sid")
    if not sid:
        return "no EsimProfileSid"
    before = EsimProfile.objects.filter(sid=sid).values("status").first()
    profile = esim_profile_from_api(data=get_client().esim_profile_fetch(sid))
    audit_record(
        action="esim_profile.status_callback",
        obj=profile,
        before=before,
        after={"status": profile.status},
        api_response=params,
        source="webhook",
    )
    return f"{sid}: {(before or {}).get('status')} -> {profile.status}"


def webhook_process(*, receipt: WebhookReceipt) -> WebhookReceipt:
    """Apply one stored delivery (idempotent: a processed receipt is left alone; every step is a no-op the
    second time). A :class:`SuperSimError` propagates (the task retries it)."""
    if receipt.processed_at is not None:
        return receipt
    params = receipt.params or {}
    WebhookReceipt.objects.filter(pk=receipt.pk).update(attempts=receipt.attempts + 1)
    endpoint = receipt.endpoint
    if endpoint in ("sms_commands", "ip_commands"):
        result = _incoming_command(endpoint=endpoint, params=params, digest=receipt.params_hash)
    elif endpoint == "command_status":
        sms_sid = _p(params, "SmsCommandSid")
        ip_sid = _p(params, "IpCommandSid")
        sid = sms_sid or ip_sid or _p(params, "CommandSid", "Sid")
        if not sid:
            result = "no command SID"
        elif sid.startswith("HG"):
            result = _apply_command_status(model=IpCommand, sid=sid, params=params)
        else:
            result = _apply_command_status(model=SmsCommand, sid=sid, params=params)
    elif endpoint == "sim_status":
        result = _sim_status(params=params)
    elif endpoint == "esim_status":
        result = _esim_status(params=params)
    else:
        result = f"unknown endpoint {endpoint}"
    WebhookReceipt.objects.filter(pk=receipt.pk).update(
        processed_at=timezone.now(), result=result[:200], error=""
    )
    receipt.refresh_from_db()
    return receipt
