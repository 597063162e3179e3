"""The REST API (``/api/v1/``): thin views over the pages' selectors, forms and services.

Reads use the list pages' filtersets and selectors; writes validate with the pages' forms and call the same
services (API first, then local rows, then the audit entry, recorded with ``source=api``). Roles as on the
pages: viewers read, operators change SIMs / eSIMs / commands / jobs / syncs, admins fleets and NAPs.
"""

from __future__ import annotations

from django.http import QueryDict
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.permissions import PERM_ADMIN, _record_denied
from apps.audit.filtersets import AuditEventFilterSet
from apps.audit.models import AuditEvent
from apps.audit.services import audit_record
from apps.commands.filtersets import IpCommandFilterSet, SmsCommandFilterSet
from apps.commands.forms import IpSendForm, SmsSendForm
from apps.commands.models import IpCommand, SmsCommand
from apps.commands.services import PayloadError, ip_command_send, sms_command_send
from apps.core.filtersets import JobFilterSet
from apps.core.models import Job
from apps.esims.filtersets import EsimProfileFilterSet
from apps.esims.forms import EsimProfileCreateForm
from apps.esims.models import EsimProfile
from apps.esims.selectors import WITH_CODE
from apps.esims.services import esim_profile_create
from apps.fleets import services as fleet_services
from apps.fleets.filtersets import FleetFilterSet
from apps.fleets.forms import FleetCreateForm, FleetEditForm
from apps.fleets.models import Fleet
from apps.networks import services as network_services
from apps.networks.filtersets import NapFilterSet, NetworkFilterSet
from apps.networks.forms import NapCreateForm, NapNetworkAddForm, NapRenameForm
from apps.networks.models import Network, NetworkAccessProfile, NetworkAccessProfileNetwork
from apps.sims import selectors as sim_selectors
from apps.sims import services as sim_services
from apps.sims.filtersets import SimFilterSet
from apps.sims.forms import SimBulkForm, SimFleetForm, SimRenameForm, SimStatusForm
from apps.sims.models import Sim
from apps.sync.forms import SyncNowForm
from apps.sync.models import SyncRun
from apps.sync.services import sync_start
from apps.usage.forms import UsageQueryForm
from apps.usage.views import BREAKDOWNS, chart_data

from . import serializers as s
from .mixins import FIELDS_PARAMETER, ETagRetrieveMixin, etag_response

API_SOURCE = AuditEvent.Source.API


def form_or_400(form):
    """The page's form, validated; its errors as a 400 problem (field -> messages)."""
    if not form.is_valid():
        raise exceptions.ValidationError({k: [str(e) for e in v] for k, v in form.errors.items()})
    return form.cleaned_data


def form_create(view, form, create, *, serialize=None, refused=None) -> Response:
    """The one create action of the API: ``form`` (the page's form over the request body) validated -
    its errors a 400 problem (field -> messages) -, ``create(cleaned_data)`` making the object through
    its service, answered 201 with the object serialized (``serialize(obj)``, default the view's
    serializer). ``refused``: ``(ExceptionClass, field)``, a service's refusal as a 400 on that field."""
    data = form_or_400(form)
    refusal: tuple[type[Exception], ...] = (refused[0],) if refused else ()
    try:
        obj = create(data)
    except refusal as exc:
        raise exceptions.ValidationError({refused[1]: [str(exc)]})
    answer = serialize(obj) if serialize else view.get_serializer(obj).data
    return Response(answer, status=201)


def body(request) -> dict:
    if not isinstance(request.data, dict):
        raise exceptions.ValidationError({"non_field_errors": ["The body must be a JSON object."]})
    return request.data


def as_querydict(data: dict) -> QueryDict:
    """A request body as the form data the pages' forms read (lists as repeated keys, booleans as on/off)."""
    qd = QueryDict(mutable=True)
    for key, value in data.items():
        if value is None or value is False:
            continue
        values = value if isinstance(value, list) else [value]
        for v in values:
            qd.appendlist(key, "on" if v is True else str(v))
    return qd


class ApiView:
    """What every API view shares: audit entries of its writes say ``source=api``; a refusal is audited."""

    def initial(self, request, *args, **kwargs):
        request._request.audit_source = API_SOURCE
        super().initial(request, *args, **kwargs)

    def permission_denied(self, request, message=None, code=None):
        if request.user and request.user.is_authenticated:
            _record_denied(request)
        super().permission_denied(request, message=message, code=code)


class ReadViewSet(ApiView, ETagRetrieveMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    filter_backends = [DjangoFilterBackend]
    lookup_field = "sid"
    lookup_value_regex = "[^/]+"

    def get_object(self):
        """Detail by key, removed rows included (no list filter applies, e.g. hiding removed rows)."""
        queryset = self.get_queryset()
        try:
            return queryset.get(**{self.lookup_field: self.kwargs[self.lookup_field]})
        except queryset.model.DoesNotExist:
            raise exceptions.NotFound(f"No {queryset.model._meta.verbose_name} with this key.")
        except (ValueError, TypeError):
            raise exceptions.NotFound("Not a valid key.")


_LIST = extend_schema(parameters=[FIELDS_PARAMETER])
_DETAIL = extend_schema(parameters=[FIELDS_PARAMETER], responses={200: None, 304: None})


def _read_docs(serializer):
    return {
        "list": extend_schema(parameters=[FIELDS_PARAMETER]),
        "retrieve": extend_schema(parameters=[FIELDS_PARAMETER], responses={200: serializer, 304: None}),
    }


# --- SIMs ---------------------------------------------------------------------------------------------------
@extend_schema_view(**_read_docs(s.SimSerializer))
class SimViewSet(ReadViewSet):
    """SIMs with the SIM list page's filters (``q``: ICCID prefix, SID or name prefix; status; fleet; nap;
    removed); status change, fleet move and rename as on the SIM page (operator)."""

    queryset = sim_selectors.sim_list_queryset()
    serializer_class = s.SimSerializer
    filterset_class = SimFilterSet

    def list(self, request, *args, **kwargs):
        """The list reads plain rows (``values()``, no model instances) and builds each object as
        :class:`SimSerializer` would (a test holds them equal): a page of 1,000 SIMs costs half as much."""
        rows = self.filter_queryset(self.get_queryset()).values(*s.SIM_ROW_VALUES)
        page = self.paginate_queryset(rows)
        keep = s.requested_fields(request)
        return self.get_paginated_response([s.sim_row(row, keep) for row in page])

    def _answer(self, sim):
        return Response(s.SimSerializer(sim, context=self.get_serializer_context()).data)

    @extend_schema(request=s.SimStatusIn, responses={200: s.SimSerializer})
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request, sid=None):
        sim = self.get_object()
        data = form_or_400(SimStatusForm(as_querydict(body(request)), sim=sim))
        sim = sim_services.sim_update_status(
            sim=sim, status=data["status"], user=request.user, request=request
        )
        return self._answer(sim)

    @extend_schema(request=s.SimFleetIn, responses={200: s.SimSerializer})
    @action(detail=True, methods=["post"], url_path="fleet")
    def set_fleet(self, request, sid=None):
        sim = self.get_object()
        data = form_or_400(SimFleetForm(as_querydict(body(request)), sim=sim))
        sim = sim_services.sim_update_fleet(sim=sim, fleet=data["fleet"], user=request.user, request=request)
        return self._answer(sim)

    @extend_schema(request=s.SimRenameIn, responses={200: s.SimSerializer})
    @action(detail=True, methods=["post"], url_path="rename")
    def rename(self, request, sid=None):
        sim = self.get_object()
        data = form_or_400(SimRenameForm(as_querydict(body(request)), sim=sim))
        sim = sim_services.sim_rename(
            sim=sim, unique_name=data["unique_name"], user=request.user, request=request
        )
        return self._answer(sim)


# --- fleets -------------------------------------------------------------------------------------------------
def _fleet_form_data(data: dict) -> dict:
    out = {k: v for k, v in data.items() if k != "data_limit"}
    if "data_limit" in data:
        out["data_limit_value"] = data["data_limit"]
        out["data_limit_unit"] = "MB"
    return out


@extend_schema_view(**_read_docs(s.FleetSerializer))
class FleetViewSet(ReadViewSet, mixins.CreateModelMixin, mixins.UpdateModelMixin):
    """Fleets; create and update are for admins (as on the fleet pages). ``data_limit`` is in MB."""

    queryset = Fleet.objects.order_by("-id")
    serializer_class = s.FleetSerializer
    filterset_class = FleetFilterSet
    write_permission = PERM_ADMIN
    http_method_names = ["get", "post", "patch", "head", "options"]

    @extend_schema(request=s.FleetIn, responses={201: s.FleetSerializer})
    def create(self, request, *args, **kwargs):
        given = _fleet_form_data(body(request))
        given.setdefault("sms_commands_method", "POST")
        given.setdefault("ip_commands_method", "POST")
        form = FleetCreateForm(as_querydict(given))
        return form_create(
            self,
            form,
            lambda data: fleet_services.fleet_create(
                user=request.user, data=form.api_data(), request=request
            ),
        )

    @extend_schema(request=s.FleetPatchIn, responses={200: s.FleetSerializer})
    def partial_update(self, request, *args, **kwargs):
        fleet = self.get_object()
        current = FleetEditForm.initial_for(fleet)
        current["data_limit_value"], current["data_limit_unit"] = fleet.data_limit, "MB"
        given = current | _fleet_form_data(body(request))
        form = FleetEditForm(as_querydict(given), initial=FleetEditForm.initial_for(fleet))
        form_or_400(form)
        fleet = fleet_services.fleet_update(
            fleet=fleet, user=request.user, data=form.api_data(), request=request
        )
        return Response(s.FleetSerializer(fleet, context=self.get_serializer_context()).data)

    @extend_schema(exclude=True)
    def update(self, request, *args, **kwargs):
        raise exceptions.MethodNotAllowed("PUT")


# --- networks and NAPs --------------------------------------------------------------------------------------
@extend_schema_view(**_read_docs(s.NetworkSerializer))
class NetworkViewSet(ReadViewSet):
    """The networks catalogue (read only)."""

    queryset = Network.objects.order_by("-id")
    serializer_class = s.NetworkSerializer
    filterset_class = NetworkFilterSet


@extend_schema_view(**_read_docs(s.NapSerializer))
class NapViewSet(ReadViewSet, mixins.CreateModelMixin, mixins.UpdateModelMixin):
    """Network Access Profiles; create, rename and their networks (add, remove) are for admins."""

    queryset = NetworkAccessProfile.objects.order_by("-id")
    serializer_class = s.NapSerializer
    filterset_class = NapFilterSet
    write_permission = PERM_ADMIN
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def _answer(self, nap, status=200):
        return Response(s.NapSerializer(nap, context=self.get_serializer_context()).data, status=status)

    @extend_schema(request=s.NapIn, responses={201: s.NapSerializer})
    def create(self, request, *args, **kwargs):
        return form_create(
            self,
            NapCreateForm(as_querydict(body(request))),
            lambda data: network_services.nap_create(
                user=request.user,
                unique_name=data["unique_name"],
                networks=list(data["networks"]),
                request=request,
            ),
        )

    @extend_schema(request=s.NapRenameIn, responses={200: s.NapSerializer})
    def partial_update(self, request, *args, **kwargs):
        nap = self.get_object()
        data = form_or_400(NapRenameForm(as_querydict(body(request))))
        nap = network_services.nap_rename(
            nap=nap, unique_name=data["unique_name"], user=request.user, request=request
        )
        return self._answer(nap)

    @extend_schema(exclude=True)
    def update(self, request, *args, **kwargs):
        raise exceptions.MethodNotAllowed("PUT")

    def _memberships(self, nap):
        return NetworkAccessProfileNetwork.objects.filter(nap_id=nap.sid, removed_at__isnull=True).order_by(
            "-id"
        )

    @extend_schema(methods=["get"], responses={200: s.NapNetworkSerializer(many=True)}, filters=False)
    @extend_schema(methods=["post"], request=s.NapNetworkIn, responses={201: s.NapNetworkSerializer})
    @action(detail=True, methods=["get", "post"], url_path="networks", filter_backends=[])
    def networks(self, request, sid=None):
        nap = self.get_object()
        if request.method == "GET":
            page = self.paginate_queryset(self._memberships(nap))
            data = s.NapNetworkSerializer(page, many=True, context=self.get_serializer_context()).data
            return self.get_paginated_response(data)
        data = form_or_400(NapNetworkAddForm(as_querydict(body(request))))
        membership = network_services.nap_network_add(
            nap=nap, network=data["network"], user=request.user, request=request
        )
        return Response(
            s.NapNetworkSerializer(membership, context=self.get_serializer_context()).data, status=201
        )

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path=r"networks/(?P<network_sid>[^/]+)")
    def network_remove(self, request, sid=None, network_sid=None):
        nap = self.get_object()
        membership = self._memberships(nap).filter(network_id=network_sid).first()
        if membership is None:
            raise exceptions.NotFound("This network is not in the profile.")
        network_services.nap_network_remove(
            nap=nap, membership=membership, user=request.user, request=request
        )
        return Response(status=204)


# --- eSIM profiles ------------------------------------------------------------------------------------------
@extend_schema_view(**_read_docs(s.EsimProfileSerializer))
class EsimProfileViewSet(ReadViewSet, mixins.CreateModelMixin):
    """eSIM profiles; create for an EID or with a generated matching ID (operator); the activation code
    once the profile has one."""

    queryset = EsimProfile.objects.order_by("-id")
    serializer_class = s.EsimProfileSerializer
    filterset_class = EsimProfileFilterSet

    @extend_schema(request=s.EsimProfileIn, responses={201: s.EsimProfileSerializer})
    def create(self, request, *args, **kwargs):
        return form_create(
            self,
            EsimProfileCreateForm(as_querydict(body(request))),
            lambda data: esim_profile_create(
                eid=data["eid"],
                generate_matching_id=data["generate_matching_id"],
                user=request.user,
                request=request,
            ),
        )

    @extend_schema(responses={200: s.ActivationCodeSerializer}, filters=False)
    @action(detail=True, methods=["get"], url_path="activation-code", filter_backends=[])
    def activation_code(self, request, sid=None):
        profile = self.get_object()
        if not profile.activation_code or profile.status not in WITH_CODE:
            raise exceptions.NotFound("This eSIM profile has no activation code yet.")
        return etag_response(
            request,
            {
                "sid": profile.sid,
                "activation_code": profile.activation_code,
                "smdp_plus_address": profile.smdp_plus_address,
                "matching_id": profile.matching_id,
            },
        )


# --- commands -----------------------------------------------------------------------------------------------
def _one_target(data: dict) -> str:
    targets = data["targets"]
    if len(targets) != 1:
        raise exceptions.ValidationError({"sim": ["Give one SIM (several: create a job per SIM)."]})
    return targets[0]


@extend_schema_view(**_read_docs(s.SmsCommandSerializer))
class SmsCommandViewSet(ReadViewSet, mixins.CreateModelMixin):
    """SMS commands (both directions); send one to a SIM (operator)."""

    queryset = SmsCommand.objects.order_by("-id")
    serializer_class = s.SmsCommandSerializer
    filterset_class = SmsCommandFilterSet

    @extend_schema(request=s.SmsCommandIn, responses={201: s.SmsCommandSerializer})
    def create(self, request, *args, **kwargs):
        given = body(request)
        form = SmsSendForm(as_querydict({"sims": given.get("sim", ""), "payload": given.get("payload", "")}))
        return form_create(
            self,
            form,
            lambda data: sms_command_send(
                sim_sid=_one_target(data),
                payload=data["payload"],
                user=request.user,
                request=request,
                source=API_SOURCE,
            ),
            refused=(PayloadError, "payload"),
        )


@extend_schema_view(**_read_docs(s.IpCommandSerializer))
class IpCommandViewSet(ReadViewSet, mixins.CreateModelMixin):
    """IP commands (both directions); send one to a SIM's device port (operator)."""

    queryset = IpCommand.objects.order_by("-id")
    serializer_class = s.IpCommandSerializer
    filterset_class = IpCommandFilterSet

    @extend_schema(request=s.IpCommandIn, responses={201: s.IpCommandSerializer})
    def create(self, request, *args, **kwargs):
        given = body(request)
        form = IpSendForm(
            as_querydict(
                {
                    "sims": given.get("sim", ""),
                    "payload": given.get("payload", ""),
                    "payload_type": given.get("payload_type") or "text",
                    "device_port": given.get("device_port", ""),
                }
            )
        )
        return form_create(
            self,
            form,
            lambda data: ip_command_send(
                sim_sid=_one_target(data),
                payload=data["api_payload"],
                payload_type=data["api_payload_type"],
                device_port=data["device_port"],
                user=request.user,
                request=request,
                source=API_SOURCE,
            ),
            refused=(PayloadError, "payload"),
        )


# --- jobs ---------------------------------------------------------------------------------------------------
@extend_schema_view(**_read_docs(s.JobSerializer))
class JobViewSet(ReadViewSet, mixins.CreateModelMixin):
    """Background jobs and their progress; create a bulk SIM job (status or fleet) on SIM SIDs or on every
    SIM a filter matches (operator). Follow it: GET ``/jobs/{id}/`` (total, processed, succeeded, failed)."""

    queryset = Job.objects.select_related("created_by").order_by("-id")
    serializer_class = s.JobSerializer
    filterset_class = JobFilterSet
    lookup_field = "pk"
    lookup_value_regex = "[0-9]+"

    @extend_schema(request=s.JobIn, responses={201: s.JobSerializer})
    def create(self, request, *args, **kwargs):
        given = body(request)
        filters = given.get("filter")
        if filters is not None and not isinstance(filters, dict):
            raise exceptions.ValidationError({"filter": ["An object of SIM list filters."]})
        sids = given.get("sids") or []
        if not isinstance(sids, list):
            raise exceptions.ValidationError({"sids": ["A list of SIM SIDs."]})
        action_name = given.get("action", "")
        form = SimBulkForm(
            as_querydict(
                {
                    "bulk_action": action_name,
                    "bulk_status": given.get("value", "") if action_name == "status" else "",
                    "bulk_fleet": given.get("value", "") if action_name == "fleet" else "",
                    "bulk_scope": "filter" if filters is not None else "selected",
                    "sids": sids,
                }
            )
        )

        def create(data):
            if filters is not None:
                filterset = SimFilterSet(as_querydict(filters), queryset=sim_selectors.sim_list_queryset())
                if not filterset.is_valid():
                    raise exceptions.ValidationError({"filter": [str(e) for e in filterset.errors.values()]})
                targets = filterset.qs
            else:
                targets = Sim.objects.filter(sid__in=data["sids"])
            return sim_services.sims_bulk_create_job(
                user=request.user,
                action=data["bulk_action"],
                value=form.value,
                sims_queryset=targets,
                request=request,
            )

        return form_create(self, form, create)

    @extend_schema(responses={200: s.JobItemSerializer(many=True)}, filters=False)
    @action(detail=True, methods=["get"], url_path="items", filter_backends=[])
    def items(self, request, pk=None):
        job = self.get_object()
        page = self.paginate_queryset(job.items.order_by("-id"))
        return self.get_paginated_response(
            s.JobItemSerializer(page, many=True, context=self.get_serializer_context()).data
        )


# --- sync runs ----------------------------------------------------------------------------------------------
@extend_schema_view(**_read_docs(s.SyncRunSerializer))
class SyncRunViewSet(ReadViewSet, mixins.CreateModelMixin):
    """Sync runs; trigger one resource or everything (operator), as the Sync page's "Sync now"."""

    queryset = SyncRun.objects.select_related("triggered_by").order_by("-id")
    serializer_class = s.SyncRunSerializer
    from apps.sync.filtersets import SyncRunFilterSet as filterset_class  # noqa: N813

    lookup_field = "pk"
    lookup_value_regex = "[0-9]+"

    @extend_schema(request=s.SyncRunIn, responses={201: s.SyncStartedSerializer})
    def create(self, request, *args, **kwargs):
        def create(data):
            resource = data["resource"]
            runs = sync_start(
                resources=[resource] if resource else None, source=SyncRun.Source.UI, user=request.user
            )
            what = resource or "everything"
            audit_record(
                action="sync.start",
                user=request.user,
                request=request,
                source=API_SOURCE,
                object_type="syncrun",
                object_id=str(runs[0].pk),
                object_repr=f"sync {what}",
                after={"resources": [r.resource for r in runs], "run_ids": [r.pk for r in runs]},
                message=f"sync of {what} started ({len(runs)} run(s))",
            )
            return runs

        return form_create(
            self,
            SyncNowForm(as_querydict(body(request))),
            create,
            serialize=lambda runs: {
                "runs": s.SyncRunSerializer(runs, many=True, context=self.get_serializer_context()).data
            },
        )


# --- audit --------------------------------------------------------------------------------------------------
@extend_schema_view(**_read_docs(s.AuditEventDetailSerializer))
class AuditEventViewSet(ReadViewSet):
    """The audit log (read only): who, when, what; the detail adds before/after and the API's answer."""

    queryset = AuditEvent.objects.order_by("-id")
    serializer_class = s.AuditEventSerializer
    filterset_class = AuditEventFilterSet
    lookup_field = "pk"
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        qs = super().get_queryset()
        return qs.summaries() if self.action == "list" else qs

    def get_serializer_class(self):
        return s.AuditEventDetailSerializer if self.action == "retrieve" else s.AuditEventSerializer


# --- usage --------------------------------------------------------------------------------------------------
USAGE_PARAMETERS = [
    OpenApiParameter("scope", OpenApiTypes.STR, enum=["account", "fleet", "sim", "network", "isoCountry"]),
    OpenApiParameter("fleet", OpenApiTypes.STR, description="fleet SID (scope=fleet)"),
    OpenApiParameter("network", OpenApiTypes.STR, description="network SID (scope=network)"),
    OpenApiParameter("country", OpenApiTypes.STR, description="ISO country code (scope=isoCountry)"),
    OpenApiParameter("sim", OpenApiTypes.STR, description="SIM SID, ICCID or name (scope=sim)"),
    OpenApiParameter("granularity", OpenApiTypes.STR, enum=["hour", "day", "month"]),
    OpenApiParameter("start", OpenApiTypes.DATE),
    OpenApiParameter("end", OpenApiTypes.DATE),
]


class _UsageView(ApiView, APIView):
    chart = "series"

    def get(self, request, chart=None):
        form = UsageQueryForm(request.query_params, with_choices=False)
        form_or_400(form)
        return Response(chart_data(form, chart or self.chart))


class UsageSeriesView(_UsageView):
    """The usage chart's series (upload/download/total/billed per period) of the account or one member."""

    @extend_schema(parameters=USAGE_PARAMETERS, responses={200: s.UsageSerializer})
    def get(self, request, chart=None):
        return super().get(request, "series")


class UsageBreakdownView(_UsageView):
    """A breakdown (top SIMs, countries, networks, fleets) of the chosen scope, most data first."""

    @extend_schema(
        parameters=[OpenApiParameter("chart", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(BREAKDOWNS))]
        + USAGE_PARAMETERS,
        responses={200: s.UsageSerializer},
    )
    def get(self, request, chart=None):
        if chart not in BREAKDOWNS:
            raise exceptions.NotFound(f"Unknown breakdown; one of: {', '.join(BREAKDOWNS)}.")
        return super().get(request, chart)
