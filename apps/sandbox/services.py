"""Behaviour of the emulated account: delayed state transitions and their callbacks.

Transitions are stored as ``due_at`` on the row and applied lazily: every read of a resource first applies
its due transitions (``apply_due``), and ``run_due_transitions(now)`` applies all of them and delivers the
queued callbacks (tests call it directly; the dispatcher thread calls it every half second). Each step is a
conditional UPDATE (row still in the expected state and due time), so two processes never apply it twice.

State machines (each step ``SANDBOX_SCHEDULE_DELAY_SECONDS`` after the previous one):
- Sim: UpdateSim Status=active from new/ready/inactive answers 202 with ``scheduled``, then -> active.
- eSIM profile: new -> reserving -> available (then ``smdp_plus_address`` is set, ``matching_id`` and
  ``activation_code`` too when created with GenerateMatchingId=true - a profile for an Eid alone is
  downloaded to that eUICC and has neither - and a Sim resource is created for its ICCID).
- SMS command (to_sim): queued -> sent -> delivered. IP command (to_sim): queued -> sent -> received;
  its ``device_ip`` is null until it is sent.
- Settings update: scheduled -> in-progress -> successful (``date_completed`` set).
Callbacks are POSTed (or GET) form-encoded to the resource's CallbackUrl, signed as the provider played
(``SANDBOX_PROVIDER``) signs them (see :func:`_signatures`) and carrying ``kore-idempotency-token``.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import uuid
from datetime import timedelta
from urllib.parse import urlencode, urlsplit

import requests
from django.conf import settings
from django.db import close_old_connections, transaction

from . import events as sandbox_events
from .api import account_sid, iso, now
from .models import Callback, EsimProfile, IpCommand, SettingsUpdate, Sim, SmsCommand

log = logging.getLogger(__name__)

SMDP_PLUS_ADDRESS = "https://sm-dp-plus.sandbox.supersim.invalid"
STEPS = {
    SmsCommand: {"queued": "sent", "sent": "delivered"},
    IpCommand: {"queued": "sent", "sent": "received"},
    EsimProfile: {"new": "reserving", "reserving": "available"},
    SettingsUpdate: {"scheduled": "in-progress", "in-progress": "successful"},
}


def device_ip(sim: Sim) -> str:
    """The IPv4 address the sandbox gives a SIM's device (stable per SIM)."""
    return f"10.{64 + (sim.pk >> 16) % 64}.{(sim.pk >> 8) & 255}.{sim.pk & 255}"


def delay() -> timedelta:
    return timedelta(seconds=float(settings.SANDBOX_SCHEDULE_DELAY_SECONDS))


def callback_enqueue(url: str | None, method: str | None, params: dict) -> None:
    if url:
        Callback.objects.create(url=url, method=method or "POST", params=params, created_at=now())


# --- one step per model ------------------------------------------------------------------------------------
def _sim_step(sim: Sim, at) -> None:
    target = sim.pending_status
    changes = {"status": target, "pending_status": None, "due_at": None, "date_updated": at}
    if target == "active" and sim.activated_at is None:
        changes["activated_at"] = at
    if Sim.objects.filter(pk=sim.pk, due_at=sim.due_at, pending_status=target).update(**changes):
        if target == "active":
            sandbox_events.sim_activated(sim, at)
        callback_enqueue(
            sim.callback_url,
            sim.callback_method,
            {
                "AccountSid": account_sid(),
                "SimSid": sim.sid,
                "SimUniqueName": sim.unique_name or "",
                "SimIccid": sim.iccid,
                "Status": target,
                "DateUpdated": iso(at),
            },
        )


def _esim_step(profile: EsimProfile, at, step_due) -> None:
    target = STEPS[EsimProfile][profile.status]
    changes = {"status": target, "date_updated": at, "due_at": step_due if target == "reserving" else None}
    if target == "available":
        matching_id = uuid.uuid5(uuid.NAMESPACE_URL, profile.sid).hex[:20].upper()
        host = urlsplit(SMDP_PLUS_ADDRESS).hostname
        changes.update(
            smdp_plus_address=SMDP_PLUS_ADDRESS,
            matching_id=matching_id if profile.generate_matching_id else None,
            activation_code=f"LPA:1${host}${matching_id}" if profile.generate_matching_id else None,
        )
    with transaction.atomic():
        if not EsimProfile.objects.filter(pk=profile.pk, status=profile.status, due_at=profile.due_at).update(
            **changes
        ):
            return
        if target == "available" and profile.iccid and profile.sim_id is None:
            sim, _ = Sim.objects.get_or_create(
                iccid=profile.iccid,
                defaults={"sid": "HS" + uuid.uuid4().hex, "date_created": at, "date_updated": at},
            )
            EsimProfile.objects.filter(pk=profile.pk).update(sim=sim)
            profile.sim = sim
    params = {
        "AccountSid": account_sid(),
        "EsimProfileSid": profile.sid,
        "Status": target,
        "Iccid": profile.iccid or "",
        "Eid": profile.eid or "",
        "SimSid": profile.sim.sid if profile.sim_id or profile.sim else "",
    }
    if target == "available":
        params.update(
            SmdpPlusAddress=changes["smdp_plus_address"],
            MatchingId=changes["matching_id"] or "",
            ActivationCode=changes["activation_code"],
        )
    callback_enqueue(profile.callback_url, profile.callback_method, params)


def _command_step(model, cmd, at, step_due) -> None:
    target = STEPS[model][cmd.status]
    final = target not in STEPS[model]
    changes = {"status": target, "date_updated": at, "due_at": None if final else step_due}
    if model is IpCommand and target == "sent" and not cmd.device_ip:
        changes["device_ip"] = device_ip(cmd.sim)  # the SIM's address, known once the command leaves
    if not model.objects.filter(pk=cmd.pk, status=cmd.status, due_at=cmd.due_at).update(**changes):
        return
    sid_key = "SmsCommandSid" if model is SmsCommand else "IpCommandSid"
    params = {
        "AccountSid": account_sid(),
        sid_key: cmd.sid,
        "SimSid": cmd.sim.sid,
        "SimIccid": cmd.sim.iccid,
        "Status": target,
        "Direction": cmd.direction,
        "DateUpdated": iso(at),
    }
    if model is IpCommand:
        params.update(DevicePort=str(cmd.device_port), PayloadType=cmd.payload_type)
    callback_enqueue(cmd.callback_url, cmd.callback_method, params)


def _settings_step(update: SettingsUpdate, at, step_due) -> None:
    target = STEPS[SettingsUpdate][update.status]
    final = target == "successful"
    SettingsUpdate.objects.filter(pk=update.pk, status=update.status, due_at=update.due_at).update(
        status=target,
        date_updated=at,
        due_at=None if final else step_due,
        date_completed=at if final else None,
    )


def apply_due(model, at=None) -> int:
    """Apply every due transition of one model; returns the number of steps applied."""
    at = at or now()
    applied = 0
    for _ in range(3):  # with a zero delay a row can pass several steps at once
        qs = model.objects.filter(due_at__lte=at)
        if model in (SmsCommand, IpCommand):
            qs = qs.select_related("sim")
        rows = list(qs.order_by("due_at", "id")[:500])
        if not rows:
            break
        for row in rows:
            step_due = row.due_at + delay()
            if model is Sim:
                _sim_step(row, at)
            elif model is EsimProfile:
                _esim_step(row, at, step_due)
            elif model is SettingsUpdate:
                _settings_step(row, at, step_due)
            else:
                _command_step(model, row, at, step_due)
            applied += 1
    return applied


def apply_due_if_any(model) -> None:
    """The cheap lazy hook for reads: one indexed EXISTS query when nothing is due."""
    at = now()
    if model.objects.filter(due_at__lte=at).exists():
        apply_due(model, at)


# --- callbacks ---------------------------------------------------------------------------------------------
def _signatures(url: str, method: str, params: dict, body: str) -> dict:
    """The signature headers of one callback, as the provider the sandbox plays sends them.

    Twilio mode: ``X-Twilio-Signature`` (RequestValidator with ``SANDBOX_AUTH_TOKEN``) and, for clients
    that check KORE's scheme against a Twilio-mode sandbox, ``kore-signature`` too. KORE mode:
    ``kore-signature`` only = hex SHA-256 of ``SANDBOX_KORE_WEBHOOK_SECRET + method + URL without query +
    raw body`` (the scheme ``apps.supersim.webhooks`` verifies). ``kore-idempotency-token`` is added by
    :func:`deliver_callbacks`.
    """
    from twilio.request_validator import RequestValidator

    from .contract import is_kore

    headers = {}
    if not is_kore():
        headers["X-Twilio-Signature"] = RequestValidator(settings.SANDBOX_AUTH_TOKEN).compute_signature(
            url, params if method == "POST" else {}
        )
    secret = settings.SANDBOX_KORE_WEBHOOK_SECRET or ""
    parts = urlsplit(url)
    bare = f"{parts.scheme}://{parts.netloc}{parts.path}"
    headers["kore-signature"] = hashlib.sha256(f"{secret}{method}{bare}{body}".encode()).hexdigest()
    return headers


def deliver_callbacks(limit: int = 100) -> int:
    delivered = 0
    for cb in Callback.objects.filter(delivered_at__isnull=True, attempts__lt=3).order_by("id")[:limit]:
        try:
            body = urlencode(cb.params)
            if cb.method == "GET":
                sep = "&" if "?" in cb.url else "?"
                url = f"{cb.url}{sep}{body}" if body else cb.url
                headers = _signatures(url, "GET", {}, "")
                headers["kore-idempotency-token"] = f"cb-{cb.pk}"
                resp = requests.get(url, headers=headers, timeout=5)
            else:
                headers = _signatures(cb.url, "POST", cb.params, body)
                headers["kore-idempotency-token"] = f"cb-{cb.pk}"
                headers["Content-Type"] = "application/x-www-form-urlencoded"
                resp = requests.post(cb.url, data=body, headers=headers, timeout=5)
            ok = resp.status_code < 400
            error = "" if ok else f"HTTP {resp.status_code}"
        except Exception as exc:  # noqa: BLE001 - a callback failure is logged, never fatal
            ok, error = False, str(exc)[:300]
        Callback.objects.filter(pk=cb.pk).update(
            attempts=cb.attempts + 1, delivered_at=now() if ok else None, last_error=error
        )
        if ok:
            delivered += 1
        else:
            log.warning("sandbox callback to %s failed: %s", cb.url, error)
    return delivered


def run_due_transitions(now_=None) -> int:
    """Apply every due transition, then deliver queued callbacks. Returns the number of steps applied."""
    at = now_ or now()
    applied = sum(apply_due(model, at) for model in (Sim, EsimProfile, SmsCommand, IpCommand, SettingsUpdate))
    deliver_callbacks()
    sandbox_events.tick(at)
    return applied


# --- the dispatcher thread ---------------------------------------------------------------------------------
_dispatcher: threading.Thread | None = None
_dispatcher_lock = threading.Lock()


def dispatcher_enabled() -> bool:
    # Off by default under pytest (tests call run_due_transitions themselves), on otherwise.
    return bool(settings.SANDBOX_DISPATCHER_ENABLED)


def _loop() -> None:
    while True:
        time.sleep(0.5)
        if not dispatcher_enabled():
            continue
        try:
            run_due_transitions()
        except Exception:  # noqa: BLE001
            log.exception("sandbox dispatcher step failed")
        finally:
            close_old_connections()


def ensure_dispatcher() -> None:
    global _dispatcher
    if _dispatcher is not None or not dispatcher_enabled():
        return
    with _dispatcher_lock:
        if _dispatcher is None:
            _dispatcher = threading.Thread(target=_loop, name="sandbox-dispatcher", daemon=True)
            _dispatcher.start()
