"""The Super SIM v1 API, emulated: all 31 operations of spec/twilio_supersim_v1.json under /sandbox/v1/.

Every view goes through ``endpoint``: fault injection, then auth (Basic account SID + auth token or API key +
secret, or a bearer token from /sandbox/oauth2/token), then the method's handler. Errors are Twilio's JSON
body ``{"code", "message", "more_info", "status"}``.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import random
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import IntegrityError, transaction
from django.http import HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from . import api, guard, render, services, usage
from .api import ApiError, Paging, bad, not_found
from .catalogue import ensure_networks
from .models import (
    AccessToken,
    EsimProfile,
    Fleet,
    InventorySim,
    IpCommand,
    NapNetwork,
    Network,
    NetworkAccessProfile,
    SettingsUpdate,
    Sim,
    SmsCommand,
)

SIM_STATUSES = ["new", "ready", "active", "inactive", "scheduled"]
ALLOWED = {
    "new": {"ready", "active"},
    "ready": {"active", "inactive"},
    "active": {"inactive"},
    "inactive": {"active", "ready"},
    "scheduled": {"active"},
}


def _root(request) -> str:
    path = request.path
    return request.build_absolute_uri(path[: path.index("/v1/")] if "/v1/" in path else path.rstrip("/"))


def endpoint(**handlers):
    """Wrap per-method handlers into one public, CSRF-exempt, fault-injected, authenticated view."""

    @csrf_exempt
    @login_not_required
    def view(request, **kwargs):
        try:
            sub = request.path[request.path.index("/v1/") :] if "/v1/" in request.path else request.path
            guard.inject_faults(request, sub)
            guard.authenticate(request)
            handler = handlers.get(request.method.lower())
            if handler is None:
                raise ApiError(405, api.METHOD_NOT_ALLOWED, f"Method {request.method} not allowed on {sub}")
            if request.method == "POST":
                try:
                    request.POST  # noqa: B018 - parse the body here: a malformed one is a 400, not a 500
                except MultiPartParserError as exc:
                    raise api.bad(f"The request body cannot be parsed: {exc}")
            _refuse_nul(request, kwargs)
            services.ensure_dispatcher()
            return handler(request, **kwargs)
        except ApiError as exc:
            return exc.response()

    return view


def _refuse_nul(request, kwargs: dict) -> None:
    """No parameter (query, body or path) may hold a NUL character: PostgreSQL text cannot store one, and no
    SID, name or payload of the API has one. 400 (20001) instead of a database error."""
    values = [*kwargs.values()]
    for data in (request.GET, request.POST) if request.method == "POST" else (request.GET,):
        for key, items in data.lists():
            values += [key, *items]
    if any("\x00" in str(value) for value in values):
        raise api.bad("Parameters must not contain NUL characters")


def ok(item: dict, status: int = 200) -> JsonResponse:
    return JsonResponse(item, status=status)


def _list(request, key, qs, fields, renderer, filters):
    paging = Paging(request)
    rows, next_token, prev_token = api.keyset_page(qs, paging, fields)
    root = _root(request)
    items = [renderer(r, root) for r in rows]
    return api.list_response(request, key, items, paging, filters, next_token, prev_token)


def _by_sid_or_name(model, value: str, prefix: str, path: str):
    if api.is_sid(value, prefix):
        obj = model.objects.filter(sid=value).first()
    else:
        obj = model.objects.filter(unique_name=value).first() if hasattr(model, "unique_name") else None
    if obj is None:
        raise not_found(path)
    return obj


def _one(model, pk, fields, renderer, request, status=200):
    row = model.objects.filter(pk=pk).values(*fields).first()
    return ok(renderer(row, _root(request)), status)


def _check_unique(model, name, exclude_pk=None):
    if name is None:
        return
    qs = model.objects.filter(unique_name=name)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    if qs.exists():
        raise bad(f"A resource with UniqueName '{name}' already exists", api.DUPLICATE_UNIQUE_NAME)


def _sim_ref(value: str) -> Sim:
    """Sim by SID, unique name or ICCID."""
    sim = None
    if api.is_sid(value, "HS"):
        sim = Sim.objects.filter(sid=value).first()
    else:
        sim = Sim.objects.filter(unique_name=value).first() or Sim.objects.filter(iccid=value).first()
    if sim is None:
        raise not_found(f"/v1/Sims/{value}")
    return sim


# --- Sims --------------------------------------------------------------------------------------------------
def sims_list(request):
    services.apply_due_if_any(Sim)
    q = request.GET
    status = api.p_enum(q, "Status", SIM_STATUSES)
    qs = Sim.objects.all()
    if status:
        qs = qs.filter(status=status)
    if q.get("Fleet"):
        fleet = (
            Fleet.objects.filter(sid=q["Fleet"]).first()
            or Fleet.objects.filter(unique_name=q["Fleet"]).first()
        )
        qs = qs.filter(fleet=fleet) if fleet else qs.none()
    if q.get("Iccid"):
        qs = qs.filter(iccid=q["Iccid"])
    filters = {"Status": status, "Fleet": q.get("Fleet"), "Iccid": q.get("Iccid")}
    return _list(request, "sims", qs, render.SIM_FIELDS, render.sim, filters)


def sims_create(request):
    data = request.POST
    for name in ("Iccid", "RegistrationCode"):
        if not data.get(name):
            raise bad(
                f"Missing required parameter {name}: registering a Super SIM needs its Iccid and "
                "RegistrationCode",
                api.REGISTRATION_PARAM_MISSING,
            )
    iccid = api.p_str(data, "Iccid", required=True, max_len=22)
    code = api.p_str(data, "RegistrationCode", required=True, max_len=20)
    existing = Sim.objects.filter(iccid=iccid).values_list("sid", flat=True).first()
    if existing:
        raise bad(
            f"The Super SIM already belongs to the requesting Account: Sim {existing} (ICCID {iccid})",
            api.SIM_ALREADY_ON_ACCOUNT,
        )
    with transaction.atomic():
        claimed = InventorySim.objects.filter(iccid=iccid, registration_code=code, claimed=False).update(
            claimed=True
        )
        if not claimed:
            raise bad(
                "The ICCID and registration code pair is not valid. Check both and try again.",
                api.WRONG_REGISTRATION,
            )
        at = api.now()
        _catalogue()
        rng = random.Random(iccid)  # noqa: S311
        networks = list(Network.objects.values_list("id", flat=True)[:50])
        sim = Sim.objects.create(
            sid=api.new_sid("HS"),
            iccid=iccid,
            status="new",
            home_network_id=rng.choice(networks) if networks else None,
            rate_up=rng.randint(200, 2000),
            rate_down=rng.randint(1000, 20000),
            date_created=at,
            date_updated=at,
        )
    return _one(Sim, sim.pk, render.SIM_FIELDS, render.sim, request, 201)


def sim_fetch(request, sid):
    services.apply_due_if_any(Sim)
    sim = _by_sid_or_name(Sim, sid, "HS", f"/v1/Sims/{sid}")
    return _one(Sim, sim.pk, render.SIM_FIELDS, render.sim, request)


def sim_update(request, sid):
    services.apply_due_if_any(Sim)
    sim = _by_sid_or_name(Sim, sid, "HS", f"/v1/Sims/{sid}")
    data = request.POST
    unique_name = api.p_unique_name(data)
    status = api.p_enum(data, "Status", ["ready", "active", "inactive"])
    fleet_ref = api.p_str(data, "Fleet")
    callback_url = api.p_url(data, "CallbackUrl")
    callback_method = api.p_method(data, "CallbackMethod")
    account = api.p_sid(data, "AccountSid", "AC")
    if account and account != api.account_sid():
        raise bad(f"Cannot move the SIM to account {account}: it is not a subaccount of this account")
    _check_unique(Sim, unique_name, sim.pk)
    at = api.now()
    if unique_name is not None:
        sim.unique_name = unique_name
    removing_fleet = "Fleet" in data and data["Fleet"] == "" and sim.fleet_id is not None
    if (fleet_ref is not None or removing_fleet) and sim.status == "scheduled":
        raise bad(
            "The Super SIM's Fleet cannot be changed while its status is 'scheduled'",
            api.FLEET_CHANGE_WHILE_SCHEDULED,
        )
    if removing_fleet:
        if sim.status in ("ready", "active") and status != "inactive":
            raise bad(
                f"The Super SIM must be assigned to a Fleet while its status is '{sim.status}': give "
                "another Fleet, or set its status to inactive in the same request",
                api.FLEET_REMOVAL_NOT_ALLOWED,
            )
        sim.fleet = None
    if fleet_ref is not None:
        fleet = (
            Fleet.objects.filter(sid=fleet_ref).first()
            if api.is_sid(fleet_ref, "HF")
            else Fleet.objects.filter(unique_name=fleet_ref).first()
        )
        if fleet is None:
            raise bad(
                f"The Super SIM cannot be assigned to Fleet '{fleet_ref}': the Fleet could not be found",
                api.FLEET_NOT_FOUND,
            )
        sim.fleet = fleet
    if callback_url is not None:
        sim.callback_url = callback_url
    if callback_method is not None:
        sim.callback_method = callback_method
    code = 200
    if status is not None and status != sim.status and not (status == "active" and sim.status == "scheduled"):
        if status not in ALLOWED.get(sim.status, set()):
            raise bad(
                f"The SIM's status cannot be changed from '{sim.status}' to '{status}'",
                api.STATUS_CHANGE_NOT_ALLOWED,
            )
        if status in ("ready", "active") and sim.fleet_id is None:
            raise bad(
                f"The SIM must be assigned to a Fleet before its status can be set to '{status}'",
                api.SIM_NEEDS_FLEET,
            )
        if status == "active":
            sim.status, sim.pending_status, sim.due_at = "scheduled", "active", at + services.delay()
            code = 202
        else:
            sim.status, sim.pending_status, sim.due_at = status, None, None
            if status == "ready" and sim.ready_at is None:
                sim.ready_at = at
            if sim.callback_url:
                services.callback_enqueue(
                    sim.callback_url,
                    sim.callback_method,
                    {
                        "AccountSid": api.account_sid(),
                        "SimSid": sim.sid,
                        "SimUniqueName": sim.unique_name or "",
                        "SimIccid": sim.iccid,
                        "Status": status,
                        "DateUpdated": api.iso(at),
                    },
                )
    elif status == "active" and sim.status == "scheduled":
        code = 202
    sim.date_updated = at
    try:
        sim.save()
    except IntegrityError:
        raise bad(f"A resource with UniqueName '{unique_name}' already exists", api.DUPLICATE_UNIQUE_NAME)
    return _one(Sim, sim.pk, render.SIM_FIELDS, render.sim, request, code)


def _add_months(dt, months: int):
    month = dt.month - 1 + months
    year, month = dt.year + month // 12, month % 12 + 1
    return dt.replace(year=year, month=month, day=min(dt.day, calendar.monthrange(year, month)[1]))


def billing_periods(request, sim_sid):
    services.apply_due_if_any(Sim)
    sim = _by_sid_or_name(Sim, sim_sid, "HS", f"/v1/Sims/{sim_sid}")
    at = api.now()
    spans = []
    if sim.ready_at:
        spans.append(("ready", sim.ready_at, sim.activated_at or _add_months(sim.ready_at, 3)))
    if sim.activated_at:
        start, n = sim.activated_at, 1
        while start <= at:
            end = _add_months(sim.activated_at, n)
            spans.append(("active", start, end))
            start, n = end, n + 1
    items = [
        {
            "sid": "HB" + hashlib.md5(f"{sim.sid}:{i}".encode(), usedforsecurity=False).hexdigest(),
            "account_sid": api.account_sid(),
            "sim_sid": sim.sid,
            "start_time": api.iso(a),
            "end_time": api.iso(b),
            "period_type": kind,
            "date_created": api.iso(a),
            "date_updated": api.iso(a),
        }
        for i, (kind, a, b) in enumerate(spans)
    ]
    paging = Paging(request)
    page, next_token, prev_token = api.offset_page(items, paging)
    return api.list_response(request, "billing_periods", page, paging, {}, next_token, prev_token)


def sim_ip(sim: Sim) -> str:
    return services.device_ip(sim)


def ip_addresses(request, sim_sid):
    services.apply_due_if_any(Sim)
    sim = _by_sid_or_name(Sim, sim_sid, "HS", f"/v1/Sims/{sim_sid}")
    items = [{"ip_address": sim_ip(sim), "ip_address_version": "IPv4"}] if sim.status == "active" else []
    paging = Paging(request)
    page, next_token, prev_token = api.offset_page(items, paging)
    return api.list_response(request, "ip_addresses", page, paging, {}, next_token, prev_token)


# --- Fleets ------------------------------------------------------------------------------------------------
def _nap_ref(value: str) -> NetworkAccessProfile:
    return _by_sid_or_name(NetworkAccessProfile, value, "HA", f"/v1/NetworkAccessProfiles/{value}")


def fleets_list(request):
    ref = request.GET.get("NetworkAccessProfile")
    qs = Fleet.objects.all()
    if ref:
        nap = (
            NetworkAccessProfile.objects.filter(sid=ref).first()
            or NetworkAccessProfile.objects.filter(unique_name=ref).first()
        )
        qs = qs.filter(nap=nap) if nap else qs.none()
    return _list(request, "fleets", qs, render.FLEET_FIELDS, render.fleet, {"NetworkAccessProfile": ref})


def _fleet_fields(data, fleet: Fleet) -> None:
    limit = api.p_int(data, "DataLimit", lo=1, hi=2_000_000)
    if limit is not None:
        fleet.data_limit = limit
    for field, name in (
        ("ip_commands_url", "IpCommandsUrl"),
        ("sms_commands_url", "SmsCommandsUrl"),
    ):
        value = api.p_url(data, name)
        if value is not None:
            setattr(fleet, field, value)
    for field, name in (
        ("ip_commands_method", "IpCommandsMethod"),
        ("sms_commands_method", "SmsCommandsMethod"),
    ):
        value = api.p_method(data, name)
        if value is not None:
            setattr(fleet, field, value)


def fleets_create(request):
    data = request.POST
    nap_ref = api.p_str(data, "NetworkAccessProfile", required=True)
    unique_name = api.p_unique_name(data)
    data_enabled = api.p_bool(data, "DataEnabled")
    sms_enabled = api.p_bool(data, "SmsCommandsEnabled")
    at = api.now()
    fleet = Fleet(sid=api.new_sid("HF"), unique_name=unique_name, date_created=at, date_updated=at)
    _fleet_fields(data, fleet)
    fleet.nap = _nap_ref(nap_ref)
    if data_enabled is not None:
        fleet.data_enabled = data_enabled
    if sms_enabled is not None:
        fleet.sms_commands_enabled = sms_enabled
    _check_unique(Fleet, unique_name)
    fleet.save()
    return _one(Fleet, fleet.pk, render.FLEET_FIELDS, render.fleet, request, 201)


def fleet_fetch(request, sid):
    fleet = _by_sid_or_name(Fleet, sid, "HF", f"/v1/Fleets/{sid}")
    return _one(Fleet, fleet.pk, render.FLEET_FIELDS, render.fleet, request)


def fleet_update(request, sid):
    fleet = _by_sid_or_name(Fleet, sid, "HF", f"/v1/Fleets/{sid}")
    data = request.POST
    unique_name = api.p_unique_name(data)
    _fleet_fields(data, fleet)
    nap_ref = api.p_str(data, "NetworkAccessProfile")
    if nap_ref is not None:
        fleet.nap = _nap_ref(nap_ref)
    _check_unique(Fleet, unique_name, fleet.pk)
    if unique_name is not None:
        fleet.unique_name = unique_name
    fleet.date_updated = api.now()
    fleet.save()
    return _one(Fleet, fleet.pk, render.FLEET_FIELDS, render.fleet, request)


# --- Network Access Profiles and Networks ------------------------------------------------------------------
def naps_list(request):
    return _list(request, "network_access_profiles", NetworkAccessProfile.objects.all(), render.NAP_FIELDS,
                 render.nap, {})  # fmt: skip


def naps_create(request):
    data = request.POST
    unique_name = api.p_unique_name(data)
    sids = data.getlist("Networks")
    _catalogue()
    networks = []
    for sid in sids:
        if not api.is_sid(sid, "HW"):
            raise bad(f"Invalid Networks: '{sid}' must be a SID matching ^HW[0-9a-fA-F]{{32}}$")
        network = Network.objects.filter(sid=sid).first()
        if network is None:
            raise not_found(f"/v1/Networks/{sid}")
        networks.append(network)
    _check_unique(NetworkAccessProfile, unique_name)
    at = api.now()
    with transaction.atomic():
        nap = NetworkAccessProfile.objects.create(
            sid=api.new_sid("HA"), unique_name=unique_name, date_created=at, date_updated=at
        )
        NapNetwork.objects.bulk_create(
            [NapNetwork(nap=nap, network=n) for n in dict.fromkeys(networks)], ignore_conflicts=True
        )
    return _one(NetworkAccessProfile, nap.pk, render.NAP_FIELDS, render.nap, request, 201)


def nap_fetch(request, sid):
    nap = _nap_ref(sid)
    return _one(NetworkAccessProfile, nap.pk, render.NAP_FIELDS, render.nap, request)


def nap_update(request, sid):
    nap = _nap_ref(sid)
    unique_name = api.p_unique_name(request.POST)
    _check_unique(NetworkAccessProfile, unique_name, nap.pk)
    if unique_name is not None:
        nap.unique_name = unique_name
    nap.date_updated = api.now()
    nap.save()
    return _one(NetworkAccessProfile, nap.pk, render.NAP_FIELDS, render.nap, request)


def nap_networks_list(request, nap_sid):
    nap = _nap_ref(nap_sid)
    qs = NapNetwork.objects.filter(nap=nap)
    return _list(request, "networks", qs, render.NAP_NETWORK_FIELDS, render.nap_network, {})


def nap_networks_create(request, nap_sid):
    nap = _nap_ref(nap_sid)
    sid = api.p_sid(request.POST, "Network", "HW", required=True)
    _catalogue()
    network = Network.objects.filter(sid=sid).first()
    if network is None:
        raise not_found(f"/v1/Networks/{sid}")
    link, created = NapNetwork.objects.get_or_create(nap=nap, network=network)
    if not created:
        raise bad(f"Network {sid} is already in Network Access Profile {nap.sid}")
    NetworkAccessProfile.objects.filter(pk=nap.pk).update(date_updated=api.now())
    return _one(NapNetwork, link.pk, render.NAP_NETWORK_FIELDS, render.nap_network, request, 201)


def _nap_link(nap_sid, sid):
    nap = _nap_ref(nap_sid)
    path = f"/v1/NetworkAccessProfiles/{nap_sid}/Networks/{sid}"
    if not api.is_sid(sid, "HW"):
        raise not_found(path)
    link = NapNetwork.objects.filter(nap=nap, network__sid=sid).first()
    if link is None:
        raise not_found(path)
    return link


def nap_network_fetch(request, nap_sid, sid):
    link = _nap_link(nap_sid, sid)
    return _one(NapNetwork, link.pk, render.NAP_NETWORK_FIELDS, render.nap_network, request)


def nap_network_delete(request, nap_sid, sid):
    link = _nap_link(nap_sid, sid)
    link.delete()
    return HttpResponse(status=204)


def _catalogue() -> None:
    """The network catalogue always exists, as on Twilio (also in an unseeded sandbox)."""
    if not Network.objects.exists():
        ensure_networks()


def networks_list(request):
    _catalogue()
    q = request.GET
    qs = Network.objects.all()
    if q.get("IsoCountry"):
        qs = qs.filter(iso_country=q["IsoCountry"].upper())
    if q.get("Mcc"):
        qs = qs.filter(mcc=q["Mcc"])
    if q.get("Mnc"):
        qs = qs.filter(mnc=q["Mnc"])
    filters = {"IsoCountry": q.get("IsoCountry"), "Mcc": q.get("Mcc"), "Mnc": q.get("Mnc")}
    return _list(request, "networks", qs, render.NETWORK_FIELDS, render.network, filters)


def network_fetch(request, sid):
    _catalogue()
    network = Network.objects.filter(sid=sid).first() if api.is_sid(sid, "HW") else None
    if network is None:
        raise not_found(f"/v1/Networks/{sid}")
    return _one(Network, network.pk, render.NETWORK_FIELDS, render.network, request)


# --- eSIM profiles -----------------------------------------------------------------------------------------
def esims_list(request):
    services.apply_due_if_any(EsimProfile)
    q = request.GET
    status = api.p_enum(q, "Status", ["new", "reserving", "available", "downloaded", "installed", "failed"])
    qs = EsimProfile.objects.all()
    if q.get("Eid"):
        qs = qs.filter(eid=q["Eid"])
    if q.get("SimSid"):
        qs = qs.filter(sim__sid=q["SimSid"])
    if status:
        qs = qs.filter(status=status)
    filters = {"Eid": q.get("Eid"), "SimSid": q.get("SimSid"), "Status": status}
    return _list(request, "esim_profiles", qs, render.ESIM_FIELDS, render.esim, filters)


def _luhn(digits: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            d -= 9 if d > 9 else 0
        total += d
    return digits + str((10 - total % 10) % 10)


def new_iccid(rng: random.Random) -> str:
    return _luhn("8988307" + "".join(str(rng.randrange(10)) for _ in range(12)))


def esims_create(request):
    data = request.POST
    callback_url = api.p_url(data, "CallbackUrl")
    callback_method = api.p_method(data, "CallbackMethod") or "POST"
    generate = api.p_bool(data, "GenerateMatchingId")
    eid = api.p_str(data, "Eid", max_len=32)
    if eid is not None and not (eid.isascii() and eid.isdigit() and len(eid) == 32):
        raise bad(f"Invalid Eid: '{eid}' must be 32 digits")
    if eid is None and not generate:
        raise bad(
            "An eSIM Profile needs an Eid (downloaded to that eUICC) or GenerateMatchingId=true "
            "(an activation code for any eUICC)"
        )
    at = api.now()
    rng = random.Random(secrets.randbits(64))  # noqa: S311
    iccid = new_iccid(rng)
    while Sim.objects.filter(iccid=iccid).exists() or InventorySim.objects.filter(iccid=iccid).exists():
        iccid = new_iccid(rng)
    profile = EsimProfile.objects.create(
        sid=api.new_sid("HP"),
        iccid=iccid,
        eid=eid,
        status="new",
        generate_matching_id=bool(generate),  # an Eid alone gets no matching ID / activation code
        callback_url=callback_url,
        callback_method=callback_method,
        due_at=at + services.delay(),
        date_created=at,
        date_updated=at,
    )
    return _one(EsimProfile, profile.pk, render.ESIM_FIELDS, render.esim, request, 201)


def esim_fetch(request, sid):
    services.apply_due_if_any(EsimProfile)
    profile = EsimProfile.objects.filter(sid=sid).first() if api.is_sid(sid, "HP") else None
    if profile is None:
        raise not_found(f"/v1/ESimProfiles/{sid}")
    return _one(EsimProfile, profile.pk, render.ESIM_FIELDS, render.esim, request)


# --- SMS and IP commands -----------------------------------------------------------------------------------
def sms_list(request):
    services.apply_due_if_any(SmsCommand)
    q = request.GET
    status = api.p_enum(q, "Status", ["queued", "sent", "delivered", "received", "failed"])
    direction = api.p_enum(q, "Direction", ["to_sim", "from_sim"])
    qs = SmsCommand.objects.all()
    if q.get("Sim"):
        qs = _filter_sim(qs, q["Sim"])
    if status:
        qs = qs.filter(status=status)
    if direction:
        qs = qs.filter(direction=direction)
    filters = {"Sim": q.get("Sim"), "Status": status, "Direction": direction}
    return _list(request, "sms_commands", qs, render.SMS_FIELDS, render.sms, filters)


def _filter_sim(qs, ref):
    sim = (
        Sim.objects.filter(sid=ref).first()
        or Sim.objects.filter(unique_name=ref).first()
        or Sim.objects.filter(iccid=ref).first()
    )
    return qs.filter(sim=sim) if sim else qs.none()


def _command_sim(ref: str, *, kind: str) -> Sim:
    """The SIM a new command goes to, or the API's refusal (HTTP 400, nothing created): the SIM must be
    ``ready`` or ``active``, and for an SMS command its fleet must have ``sms_commands_enabled`` (the Fleet
    resource has no such switch for IP commands)."""
    services.apply_due_if_any(Sim)  # a scheduled activation that is due counts as done
    sim = _sim_ref(ref)
    code = api.SMS_COMMAND_REFUSED if kind == "sms" else api.IP_COMMAND_REFUSED
    noun = "SMS Command" if kind == "sms" else "IP Command"
    if sim.status not in api.COMMAND_SIM_STATUSES:
        raise ApiError(
            400,
            code,
            f"Unable to send the {noun}: the Sim {sim.sid} is {sim.status}; "
            "a Sim must be ready or active to receive commands",
        )
    if kind == "sms" and sim.fleet is not None and not sim.fleet.sms_commands_enabled:
        raise ApiError(
            400,
            code,
            f"Unable to send the SMS Command: SMS Commands are disabled for the Fleet {sim.fleet.sid} "
            f"of the Sim {sim.sid} (sms_commands_enabled is false)",
        )
    return sim


def sms_create(request):
    data = request.POST
    sim_ref = api.p_str(data, "Sim", required=True)
    payload = api.p_str(data, "Payload", required=True)
    if len(payload) > 160:
        raise bad(f"Payload is too long: {len(payload)} characters, at most 160 are allowed")
    callback_url = api.p_url(data, "CallbackUrl")
    callback_method = api.p_method(data, "CallbackMethod") or "POST"
    sim = _command_sim(sim_ref, kind="sms")
    at = api.now()
    cmd = SmsCommand.objects.create(
        sid=api.new_sid("HC"),
        sim=sim,
        payload=payload,
        callback_url=callback_url,
        callback_method=callback_method,
        due_at=at + services.delay(),
        date_created=at,
        date_updated=at,
    )
    return _one(SmsCommand, cmd.pk, render.SMS_FIELDS, render.sms, request, 201)


def sms_fetch(request, sid):
    services.apply_due_if_any(SmsCommand)
    cmd = SmsCommand.objects.filter(sid=sid).first() if api.is_sid(sid, "HC") else None
    if cmd is None:
        raise not_found(f"/v1/SmsCommands/{sid}")
    return _one(SmsCommand, cmd.pk, render.SMS_FIELDS, render.sms, request)


def ip_list(request):
    services.apply_due_if_any(IpCommand)
    q = request.GET
    status = api.p_enum(q, "Status", ["queued", "sent", "received", "failed"])
    direction = api.p_enum(q, "Direction", ["to_sim", "from_sim"])
    qs = IpCommand.objects.all()
    if q.get("Sim"):
        qs = _filter_sim(qs, q["Sim"])
    if q.get("SimIccid"):
        qs = qs.filter(sim__iccid=q["SimIccid"])
    if status:
        qs = qs.filter(status=status)
    if direction:
        qs = qs.filter(direction=direction)
    filters = {"Sim": q.get("Sim"), "SimIccid": q.get("SimIccid"), "Status": status, "Direction": direction}
    return _list(request, "ip_commands", qs, render.IP_FIELDS, render.ip, filters)


def ip_create(request):
    data = request.POST
    sim_ref = api.p_str(data, "Sim", required=True)
    payload = api.p_str(data, "Payload", required=True)
    port = api.p_int(data, "DevicePort", lo=1, hi=65535, required=True)
    payload_type = api.p_enum(data, "PayloadType", ["text", "binary"]) or "text"
    if payload_type == "binary":
        raw = api.decode_base64(payload)
        if raw is None:
            raise bad("Payload must be base64-encoded when PayloadType is binary")
    else:
        raw = payload.encode()
    if len(raw) > 1300:
        raise bad(f"Payload is too long: {len(raw)} bytes, at most 1300 are allowed")
    callback_url = api.p_url(data, "CallbackUrl")
    callback_method = api.p_method(data, "CallbackMethod") or "POST"
    sim = _command_sim(sim_ref, kind="ip")
    at = api.now()
    cmd = IpCommand.objects.create(
        sid=api.new_sid("HG"),
        sim=sim,
        payload=payload,
        payload_type=payload_type,
        device_ip=None,  # known once the command is sent to the device (services._command_step)
        device_port=port,
        callback_url=callback_url,
        callback_method=callback_method,
        due_at=at + services.delay(),
        date_created=at,
        date_updated=at,
    )
    return _one(IpCommand, cmd.pk, render.IP_FIELDS, render.ip, request, 201)


def ip_fetch(request, sid):
    services.apply_due_if_any(IpCommand)
    cmd = IpCommand.objects.filter(sid=sid).first() if api.is_sid(sid, "HG") else None
    if cmd is None:
        raise not_found(f"/v1/IpCommands/{sid}")
    return _one(IpCommand, cmd.pk, render.IP_FIELDS, render.ip, request)


# --- Settings updates, usage -------------------------------------------------------------------------------
def settings_updates_list(request):
    services.apply_due_if_any(SettingsUpdate)
    q = request.GET
    status = api.p_enum(q, "Status", ["scheduled", "in-progress", "successful", "failed"])
    qs = SettingsUpdate.objects.all()
    if q.get("Sim"):
        qs = _filter_sim(qs, q["Sim"])
    if status:
        qs = qs.filter(status=status)
    filters = {"Sim": q.get("Sim"), "Status": status}
    return _list(request, "settings_updates", qs, render.SETTINGS_FIELDS, render.settings_update, filters)


def usage_list(request):
    services.apply_due_if_any(Sim)
    paging = Paging(request)
    items, next_token, prev_token, filters = usage.list_usage(request, paging)
    return api.list_response(request, "usage_records", items, paging, filters, next_token, prev_token)


# --- KORE OAuth2 token, fault control, unknown paths -------------------------------------------------------
@csrf_exempt
@login_not_required
def oauth_token(request):
    if request.method != "POST":
        return api.error_response(405, api.METHOD_NOT_ALLOWED, "Method not allowed; POST the token request")
    data = request.POST
    creds = guard.basic_credentials(request) or (data.get("client_id", ""), data.get("client_secret", ""))
    if data.get("grant_type") != "client_credentials":
        resp = api.error_response(400, api.INVALID_PARAM, "grant_type must be client_credentials")
        body = json.loads(resp.content)
        body.update(error="unsupported_grant_type", error_description=body["message"])
        return JsonResponse(body, status=400)
    good = (settings.SANDBOX_KORE_CLIENT_ID, settings.SANDBOX_KORE_CLIENT_SECRET)
    if not (guard._eq(creds[0], good[0]) and guard._eq(creds[1], good[1])):
        body = {"code": api.AUTH_FAILED, "message": "Invalid client credentials",
                "more_info": f"https://www.twilio.com/docs/errors/{api.AUTH_FAILED}", "status": 401,
                "error": "invalid_client", "error_description": "Invalid client credentials"}  # fmt: skip
        return JsonResponse(body, status=401)
    ttl = int(settings.SANDBOX_TOKEN_TTL_SECONDS)
    token = secrets.token_urlsafe(32)
    AccessToken.objects.filter(expires_at__lt=timezone.now()).delete()
    AccessToken.objects.create(token=token, expires_at=timezone.now() + timedelta(seconds=ttl))
    return JsonResponse({"access_token": token, "token_type": "Bearer", "expires_in": ttl})


def parse_fail_page(value: str) -> tuple[str, int | None]:
    """'/v1/Sims:3' -> ('/v1/Sims', 3); '/v1/Sims' -> ('/v1/Sims', None) (every page)."""
    prefix, _, page = value.rpartition(":") if ":" in value else (value, "", "")
    return prefix, int(page) if page else None


@csrf_exempt
@login_not_required
def inventory_control(request):
    """GET /sandbox/_control/inventory?count=N (authenticated like the API): the first N (default 20,
    at most 1000) unclaimed ICCID + registration code pairs, to try registering SIMs with, and how many
    are left: ``{"unclaimed": 95, "sims": [{"iccid": "...", "registration_code": "..."}]}``."""
    from .seed import inventory_sample, inventory_unclaimed

    try:
        guard.authenticate(request)
        if request.method != "GET":
            raise ApiError(405, api.METHOD_NOT_ALLOWED, f"Method {request.method} not allowed")
        raw = request.GET.get("count", "20")
        if not raw.isdigit() or not 1 <= int(raw) <= 1000:
            raise bad("count must be a whole number from 1 to 1000")
        pairs = inventory_sample(int(raw))
        return JsonResponse(
            {
                "unclaimed": inventory_unclaimed(),
                "sims": [{"iccid": iccid, "registration_code": code} for iccid, code in pairs],
            }
        )
    except ApiError as exc:
        return exc.response()


@csrf_exempt
@login_not_required
def faults_control(request):
    try:
        guard.authenticate(request, any_scheme=True)
        if request.method == "GET":
            return JsonResponse(guard.faults_get())
        if request.method == "DELETE":
            return JsonResponse(guard.faults_clear())
        if request.method != "POST":
            raise ApiError(405, api.METHOD_NOT_ALLOWED, f"Method {request.method} not allowed")
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            raise bad("The body must be a JSON object")
        if not isinstance(body, dict):
            raise bad("The body must be a JSON object")
        changes = {}
        for key in ("rate_429", "rate_500", "rate_503"):
            if key in body:
                changes[key] = float(body[key])
                if not 0 <= changes[key] <= 1:
                    raise bad(f"{key} must be between 0 and 1")
        for key in ("delay_ms", "retry_after"):
            if key in body:
                changes[key] = int(body[key])
        if "seed" in body:
            changes["seed"] = None if body["seed"] is None else int(body["seed"])
        if "fail_page" in body and isinstance(body["fail_page"], str):
            changes["fail_prefix"], changes["fail_page"] = parse_fail_page(body["fail_page"])
        else:
            if "fail_prefix" in body:
                changes["fail_prefix"] = body["fail_prefix"] or ""
            if "fail_page" in body:
                changes["fail_page"] = None if body["fail_page"] is None else int(body["fail_page"])
        if body.get("clear"):
            guard.faults_clear()
        return JsonResponse(guard.faults_set(**changes))
    except ApiError as exc:
        return exc.response()
    except (TypeError, ValueError) as exc:
        return api.error_response(400, api.INVALID_PARAM, f"Invalid fault setting: {exc}")


@csrf_exempt
@login_not_required
def unknown(request, rest=""):
    return api.error_response(404, api.NOT_FOUND, f"The requested resource {request.path} was not found")
