from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import render
from django.views import View
from django_tables2 import LazyPaginator

from apps.accounts.permissions import PERM_OPERATE, OperatorRequiredMixin, ViewerRequiredMixin
from apps.annotations import selectors as annotation_selectors
from apps.core.csvsafe import csv_rows
from apps.core.htmx import HTMX_STOP_POLLING, htmx_redirect, is_htmx, render_page_or_partial, trigger
from apps.core.paging import clean_count
from apps.core.views import ObjectListView
from apps.events import selectors as events_selectors
from apps.supersim.errors import SuperSimError, api_error_text

from . import selectors, services
from .filtersets import SimFilterSet
from .forms import SimBulkForm, SimFleetForm, SimRenameForm, SimStatusForm
from .models import Sim
from .tables import SimTable

#: Twilio error codes that belong to one form field
ERROR_FIELDS = {83007: "status", 20404: None, 83011: "unique_name", 20005: "fleet"}


def _get_sim(sid: str) -> Sim:
    try:
        return selectors.sim_get(sid=sid)
    except Sim.DoesNotExist:
        raise Http404("No such SIM")


# --- list, CSV ---------------------------------------------------------------------------------------------
class SimListView(ObjectListView):
    """The SIM list. Paging is by keyset (``?after=<cursor>``): every page, however deep, costs what the
    first one does (no OFFSET over the rows before it). The pager shows the total of the filter (cached,
    :func:`selectors.sim_list_count`), the rows' position ("51–100 of 1,234", carried in ``?pos=``) and
    first / previous / next; ``?page=`` is ignored while the sort has a keyset (all sortable columns)."""

    queryset = selectors.sim_list_queryset()
    filterset_class = SimFilterSet
    table_class = SimTable
    template_name = "sims/sim_list.html"
    partial_template_name = "sims/_sim_list.html"
    page_title = "SIMs"
    item_name, item_name_plural = "SIM", "SIMs"
    #: the query parameters that page or sort (not part of the filter)
    PAGING_KEYS = ("page", "per_page", "sort", "after", "pos")

    def get_table_data(self):
        """The filtered SIMs; with ``?after=<cursor>`` only those after the cursor."""
        data = super().get_table_data()
        self.filtered = data
        self.keyset = selectors.sim_keyset(sort=self.request.GET.get("sort", ""))
        self.after = self.request.GET.get("after", "")
        if self.keyset and self.after:
            data = selectors.sim_keyset_filter(queryset=data, keyset=self.keyset, cursor=self.after)
        return data

    def _query(self, drop=(), **values) -> str:
        query = self.request.GET.copy()
        for key in drop:
            query.pop(key, None)
        for key, value in values.items():
            query[key] = value
        return "?" + query.urlencode()

    def get_table_pagination(self, table):
        if not self.keyset:  # a sort without a keyset (none of the table's): page numbers, no count
            return {"paginator_class": LazyPaginator}
        return {"paginator_class": LazyPaginator, "page": 1}  # the cursor already skipped the rows before

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        can_operate = self.request.user.has_perm(PERM_OPERATE)
        context["can_operate"] = can_operate
        table = context["table"]
        table.show_select = can_operate
        filter_query = self.request.GET.copy()
        for key in self.PAGING_KEYS:
            filter_query.pop(key, None)
        form = self.filterset.form
        table.total = selectors.sim_list_count(
            queryset=self.filtered,
            key=filter_query.urlencode(),
            filters=form.cleaned_data if form.is_valid() else None,
        )
        table.next_url = table.prev_url = table.first_url = ""
        table.first_row = table.last_row = None
        rows = list(table.page.object_list) if table.page else []
        events_selectors.annotate_connection(row.record for row in rows)  # Online / Last seen / Network
        annotation_selectors.annotate_tags(row.record for row in rows)  # Tags
        if self.keyset:
            per_page = table.paginator.per_page
            position = clean_count(self.request.GET.get("pos"), default=0, maximum=10**9) if self.after else 1
            if rows and position:
                table.first_row, table.last_row = position, position + len(rows) - 1
            if rows and table.page.has_next():
                cursor = selectors.sim_keyset_cursor(record=rows[-1].record, keyset=self.keyset)
                if cursor:
                    extra = {"pos": str(position + len(rows))} if position else {}
                    table.next_url = self._query(drop=("page", "pos"), after=cursor, **extra)
            if self.after:
                table.first_url = self._query(drop=("page", "after", "pos"))
                if rows:
                    previous = selectors.sim_keyset_previous(
                        queryset=self.filtered, keyset=self.keyset, first=rows[0].record, per_page=per_page
                    )
                    if previous == "":
                        table.prev_url = table.first_url
                    elif previous:
                        extra = {"pos": str(max(position - per_page, 1))} if position else {}
                        table.prev_url = self._query(drop=("page", "pos"), after=previous, **extra)
        if can_operate:
            context["bulk_form"] = SimBulkForm()
        else:  # no checkboxes for viewers
            context["table"].columns.hide("selection")
        query = self.request.GET.copy()
        query.pop("page", None)
        query.pop("sort", None)
        query.pop("after", None)
        query.pop("pos", None)
        context["filter_query"] = query.urlencode()
        return context


class SimExportCsvView(ViewerRequiredMixin, View):
    """Every SIM of the current filter as CSV, streamed (formula cells neutralised)."""

    def get(self, request):
        # bound even without a query string: no filter means every SIM (an unbound filterset is invalid)
        filterset = SimFilterSet(request.GET, queryset=selectors.sim_list_queryset())
        queryset = filterset.qs if filterset.is_valid() else Sim.objects.none()
        rows = annotation_selectors.export_extend("sim", selectors.sim_export_rows(queryset=queryset))
        header = selectors.SIM_EXPORT_HEADER + annotation_selectors.export_header("sim")  # tags, cf_<name>
        response = StreamingHttpResponse(csv_rows(header, rows), content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="sims.csv"'
        return response


# --- detail ------------------------------------------------------------------------------------------------
def _forms(sim: Sim, **bound) -> dict:
    return {
        "status_form": bound.get("status_form") or SimStatusForm(sim=sim),
        "fleet_form": bound.get("fleet_form") or SimFleetForm(sim=sim),
        "rename_form": bound.get("rename_form") or SimRenameForm(sim=sim),
    }


def _detail_context(request, sim: Sim, **bound) -> dict:
    can_operate = request.user.has_perm(PERM_OPERATE)
    context = {
        "sim": sim,
        "page_title": f"SIM {sim}",
        "can_operate": can_operate,
        **selectors.sim_related(sim=sim),
    }
    if can_operate:
        context.update(_forms(sim, **bound))
    return context


PANEL = "sims/_sim_panel.html"


#: the SIM page's parts that reload themselves (htmx target id -> template): the panel after a poll saw the
#: final status (simRefreshed); the header (name, title) and the usage card (fleet's limit) after an action
#: changed the SIM (simUpdated)
DETAIL_PARTS = {
    "sim-panel": PANEL,
    "sim-header": "sims/_sim_header.html",
    "sim-usage": "sims/_sim_usage.html",
}


class SimDetailView(ViewerRequiredMixin, View):
    """The SIM page; an htmx request aimed at one of :data:`DETAIL_PARTS` gets only that part."""

    def get(self, request, sid):
        sim = _get_sim(sid)
        htmx = getattr(request, "htmx", None)
        context = {
            **_detail_context(request, sim),
            "partial": bool(htmx and not htmx.boosted and DETAIL_PARTS.get(htmx.target)),
        }
        return render_page_or_partial(
            request, page="sims/sim_detail.html", partial=DETAIL_PARTS, context=context
        )


class SimStatusPollView(ViewerRequiredMixin, View):
    """The status badge. While the SIM is ``scheduled`` it re-fetches the SIM through the API (service) and
    keeps polling; once it is no longer scheduled it answers 286 (stop polling) with ``simRefreshed``."""

    def get(self, request, sid):
        sim = _get_sim(sid)
        error = ""
        if sim.status == "scheduled":
            try:
                sim = services.sim_refresh(sim=sim)
            except SuperSimError as exc:
                error = api_error_text(exc)
        response = render(request, "sims/_status.html", {"sim": sim, "poll_error": error})
        if sim.status != "scheduled":
            response.status_code = HTMX_STOP_POLLING
            trigger(response, "simRefreshed", {"sid": sim.sid, "status": sim.status})
        return response


# --- operator actions --------------------------------------------------------------------------------------
class _SimActionView(OperatorRequiredMixin, View):
    http_method_names = ["post"]
    form_class = None
    form_key = ""
    event = "simUpdated"

    def post(self, request, sid):
        sim = _get_sim(sid)
        form = self.form_class(request.POST, sim=sim)
        if form.is_valid():
            try:
                updated = self.perform(sim, form)
            except services.SimStatusNotAllowed as exc:
                form.add_error("status", str(exc))
            except SuperSimError as exc:
                field = ERROR_FIELDS.get(exc.code)
                form.add_error(field if field in form.fields else None, api_error_text(exc))
            else:
                return self.done(request, updated)
        return self.failed(request, sim, form)

    def perform(self, sim: Sim, form) -> Sim:
        raise NotImplementedError

    def success_text(self, sim: Sim) -> str:
        return f"SIM {sim} updated."

    def done(self, request, sim: Sim):
        messages.success(request, self.success_text(sim))
        if not is_htmx(request):
            return HttpResponseRedirect(sim.get_absolute_url())
        context = _detail_context(request, sim)
        context["oob_status"] = True
        response = render(request, PANEL, context)
        return trigger(response, self.event, {"sid": sim.sid, "status": sim.status})

    def failed(self, request, sim: Sim, form):
        # the SIM as it is locally (nothing changed), the refused form with its error
        context = _detail_context(request, sim, **{self.form_key: form})
        return render_page_or_partial(
            request, page="sims/sim_detail.html", partial=PANEL, context=context, status=422
        )


class SimUpdateStatusView(_SimActionView):
    form_class = SimStatusForm
    form_key = "status_form"

    def perform(self, sim, form):
        return services.sim_update_status(
            sim=sim, status=form.cleaned_data["status"], user=self.request.user, request=self.request
        )

    def success_text(self, sim):
        if sim.status == "scheduled":
            return f"SIM {sim}: the change is scheduled; the status updates when the API confirms it."
        return f"SIM {sim} is now {sim.get_status_display().lower()}."


class SimUpdateFleetView(_SimActionView):
    form_class = SimFleetForm
    form_key = "fleet_form"

    def perform(self, sim, form):
        return services.sim_update_fleet(
            sim=sim, fleet=form.cleaned_data["fleet"], user=self.request.user, request=self.request
        )

    def success_text(self, sim):
        return f"SIM {sim} moved to fleet {sim.fleet or sim.fleet_id}."


class SimRenameView(_SimActionView):
    form_class = SimRenameForm
    form_key = "rename_form"

    def perform(self, sim, form):
        return services.sim_rename(
            sim=sim,
            unique_name=form.cleaned_data["unique_name"],
            user=self.request.user,
            request=self.request,
        )

    def success_text(self, sim):
        return f"SIM renamed to {sim.unique_name}."


class SimSyncDetailsView(OperatorRequiredMixin, View):
    """Fetch the SIM's billing periods and IP addresses now (the sync engine's per-SIM details sync)."""

    http_method_names = ["post"]

    def post(self, request, sid):
        from apps.sync.services import sync_sim_details

        sim = _get_sim(sid)
        run = sync_sim_details(sim_sid=sim.sid, user=request.user)
        if run.status == "succeeded":
            messages.success(request, f"Billing periods and IP addresses of {sim} fetched from the API.")
        else:
            messages.error(request, f"Could not fetch the SIM's details: {run.error or run.status}")
        if not is_htmx(request):
            return HttpResponseRedirect(sim.get_absolute_url())
        context = {**_detail_context(request, sim), "sync_run": run}
        response = render(request, "sims/_sim_details.html", context)
        return trigger(response, "simDetailsSynced", {"sid": sim.sid, "status": run.status})


class SimBulkView(OperatorRequiredMixin, View):
    """Start a bulk job on the selected SIMs or on every SIM the current filter matches, in two steps.

    A POST without ``bulk_confirmed`` starts nothing: it answers with a confirmation naming how many SIMs
    the job would change ("Change status of 1,234 SIMs to Inactive?"), a form that posts the same action,
    scope, filter and selection back with that count. The job starts only when ``bulk_confirmed`` equals
    the count now (otherwise the confirmation is asked again, 409). No SIM to change, an invalid form or
    filter: refused with a message (422), no job. Then the job page (an htmx client redirect)."""

    http_method_names = ["post"]

    def post(self, request):
        form = SimBulkForm(request.POST)
        if not form.is_valid():
            return self.refused(request, [e for errs in form.errors.values() for e in errs])
        data = form.cleaned_data
        if data["bulk_scope"] == "filter":
            filterset = SimFilterSet(request.POST, queryset=selectors.sim_list_queryset())
            if not filterset.is_valid():
                return self.refused(request, ["the filter is not valid."])
            targets = filterset.qs
            filter_names = list(filterset.filters)
        else:
            targets = Sim.objects.filter(sid__in=data["sids"])
            filter_names = []
        count = targets.count()
        if not count:
            if data["bulk_scope"] == "filter":
                return self.refused(request, ["No SIM matches the filter: nothing was started."])
            return self.refused(
                request, ["None of the selected SIMs is in the local database: nothing was started."]
            )
        confirmed = data.get("bulk_confirmed")
        if confirmed != count:
            return self.ask(request, form, count=count, confirmed=confirmed, filter_names=filter_names)
        try:
            job = services.sims_bulk_create_job(
                user=request.user,
                action=data["bulk_action"],
                value=form.value,
                sims_queryset=targets,
                request=request,
            )
        except services.BulkNothingToDo:  # the last SIMs went away since the count
            return self.refused(request, ["No SIM left to change: nothing was started."])
        messages.success(request, f"Job started: {job.title}.")
        return trigger(htmx_redirect(request, job.get_absolute_url()), "simsBulkStarted", {"job": job.pk})

    def _answer(self, request, context: dict, status: int):
        return render_page_or_partial(
            request,
            page="sims/bulk_answer.html",
            partial="sims/_bulk_answer.html",
            context=context,
            status=status,
        )

    def refused(self, request, errors: list[str]):
        messages.error(request, "Bulk action not started: " + " ".join(errors))
        return self._answer(request, {"errors": errors, "page_title": "Bulk action not started"}, 422)

    def ask(self, request, form, *, count: int, confirmed: int | None, filter_names: list[str]):
        """The confirmation: the question, and the POST's action, scope, selection and filter as hidden
        fields with ``bulk_confirmed`` = ``count``."""
        keep = {"bulk_action", "bulk_status", "bulk_fleet", "bulk_tag", "bulk_scope", "sids", *filter_names}
        hidden = [(k, v) for k, values in request.POST.lists() if k in keep for v in values if v != ""]
        changed = ""
        if confirmed is not None:
            what = (
                "The filter now matches"
                if form.cleaned_data["bulk_scope"] == "filter"
                else "The selection has"
            )
            changed = f"{what} {count:,} SIMs, not {confirmed:,}: nothing was started."
        context = {
            "question": form.question(count),
            "changed": changed,
            "scope": form.cleaned_data["bulk_scope"],
            "count": count,
            "hidden": hidden,
            "page_title": "Confirm the bulk action",
        }
        return self._answer(request, context, 200 if confirmed is None else 409)
