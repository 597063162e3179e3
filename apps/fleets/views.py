from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, JsonResponse
from django.views import View
from django_tables2 import LazyPaginator

from apps.accounts.permissions import AdminRequiredMixin, ViewerRequiredMixin
from apps.core.htmx import htmx_redirect, render_page_or_partial, trigger
from apps.core.paging import configure_table
from apps.core.views import ObjectListView
from apps.supersim.errors import SuperSimError, api_error_text

from . import selectors, services
from .filtersets import FleetFilterSet
from .forms import IMMUTABLE_FIELDS, FleetCreateForm, FleetEditForm
from .models import Fleet
from .tables import FleetSimTable, FleetTable, megabytes

#: Twilio error codes that belong to one form field
ERROR_FIELDS = {83011: "unique_name"}


def add_api_error(form, exc: SuperSimError) -> None:
    field = ERROR_FIELDS.get(exc.code)
    form.add_error(field if field in form.fields else None, api_error_text(exc))


def webhook_base(request) -> str:
    return settings.PUBLIC_BASE_URL or request.build_absolute_uri("/").rstrip("/")


def _get_fleet(sid: str) -> Fleet:
    try:
        return selectors.fleet_get(sid=sid)
    except Fleet.DoesNotExist:
        raise Http404("No such fleet")


class FleetListView(ObjectListView):
    filterset_class = FleetFilterSet
    table_class = FleetTable
    template_name = "fleets/fleet_list.html"
    page_title = "Fleets"

    def get_queryset(self):
        # counts by annotation only to sort by them; otherwise the table counts its page (before_render)
        sort = self.request.GET.get("sort", "")
        return selectors.fleet_list_queryset(with_counts=sort.lstrip("-").startswith("sims_"))


class FleetChoicesView(ViewerRequiredMixin, View):
    """JSON for the type-ahead fleet selects: ``?q=`` (``&sms=1``: SMS switch shown) ->
    ``{"results": [{"value", "text"}], "more"}``."""

    def get(self, request):
        results, more = selectors.fleet_choices_search(
            q=request.GET.get("q", ""), sms=request.GET.get("sms") == "1"
        )
        return JsonResponse({"results": results, "more": more})


class FleetDetailView(ViewerRequiredMixin, View):
    template_name = "fleets/fleet_detail.html"
    sims_partial = "fleets/_fleet_sims.html"

    def get(self, request, sid):
        fleet = _get_fleet(sid)
        table = FleetSimTable(selectors.fleet_sims_queryset(fleet=fleet))
        configure_table(request, table, per_page=25, paginator_class=LazyPaginator)
        context = {
            "fleet": fleet,
            "page_title": f"Fleet {fleet}",
            "status_counts": selectors.fleet_status_counts(fleet),
            "data_limit": megabytes(fleet.data_limit),
            "table": table,
        }
        return render_page_or_partial(
            request, page=self.template_name, partial={"fleet-sims": self.sims_partial}, context=context
        )


class _FleetFormView(AdminRequiredMixin, View):
    template_name = ""
    partial_name = "fleets/_fleet_form.html"

    def render_form(self, request, form, *, status=200, **extra):
        context = {"form": form, "immutable_fields": IMMUTABLE_FIELDS, **self.context(), **extra}
        return render_page_or_partial(
            request, page=self.template_name, partial=self.partial_name, context=context, status=status
        )

    def context(self) -> dict:
        return {}

    def done(self, request, fleet: Fleet, text: str, event: str):
        messages.success(request, text)
        url = fleet.get_absolute_url()
        return trigger(htmx_redirect(request, url), event, {"sid": fleet.sid})


class FleetCreateView(_FleetFormView):
    template_name = "fleets/fleet_create.html"

    def context(self):
        return {"page_title": "New fleet", "creating": True}

    def get(self, request):
        return self.render_form(request, FleetCreateForm(webhook_base=webhook_base(request)))

    def post(self, request):
        form = FleetCreateForm(request.POST, webhook_base=webhook_base(request))
        if not form.is_valid():
            return self.render_form(request, form, status=422)
        try:
            fleet = services.fleet_create(user=request.user, data=form.api_data(), request=request)
        except SuperSimError as exc:
            add_api_error(form, exc)
            return self.render_form(request, form, status=422)
        return self.done(request, fleet, f"Fleet {fleet} created.", "fleetCreated")


class FleetEditView(_FleetFormView):
    template_name = "fleets/fleet_edit.html"

    def context(self):
        return {"page_title": f"Edit fleet {self.fleet}", "fleet": self.fleet, "creating": False}

    def get(self, request, sid):
        self.fleet = _get_fleet(sid)
        return self.render_form(request, FleetEditForm(initial=FleetEditForm.initial_for(self.fleet)))

    def post(self, request, sid):
        self.fleet = _get_fleet(sid)
        form = FleetEditForm(request.POST, initial=FleetEditForm.initial_for(self.fleet))
        if not form.is_valid():
            return self.render_form(request, form, status=422)
        try:
            fleet = services.fleet_update(
                fleet=self.fleet, user=request.user, data=form.api_data(), request=request
            )
        except SuperSimError as exc:
            add_api_error(form, exc)
            return self.render_form(request, form, status=422)
        text = f"Fleet {fleet} updated." if fleet is not self.fleet else "Nothing changed."
        return self.done(request, fleet, text, "fleetUpdated")
