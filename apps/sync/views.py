from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.views import View
from django.views.generic import DetailView

from apps.accounts.permissions import PERM_OPERATE, OperatorRequiredMixin, ViewerRequiredMixin
from apps.audit.models import AuditEvent
from apps.audit.services import audit_record
from apps.core.htmx import HTMX_STOP_POLLING, render_page_or_partial
from apps.core.views import ObjectListView

from . import services
from .filtersets import SyncRunFilterSet
from .forms import SyncNowForm
from .models import SyncRun
from .registry import resource_label
from .tables import SyncRunTable

POLLER_ID = "sync-poller"


DETAIL_ID = "syncrun-detail"


def list_url(query: str) -> str:
    """The Sync page with ``query`` (a list's query string, from ``?back=``), re-encoded: only a query string
    is ever appended to the list's own path (no open redirect)."""
    from django.http import QueryDict
    from django.urls import reverse

    cleaned = QueryDict(query[:2000]).urlencode()
    return reverse("sync:syncrun_list") + ("?" + cleaned if cleaned else "")


def _is_poll(request, element_id: str = POLLER_ID) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and htmx.trigger == element_id


class SyncRunListView(ObjectListView):
    """The Sync page: runs, newest first; refreshes itself every 2 s while a run is queued or running."""

    queryset = SyncRun.objects.select_related("triggered_by").order_by("-created_at", "-id")
    filterset_class = SyncRunFilterSet
    table_class = SyncRunTable
    template_name = "sync/syncrun_list.html"
    page_title = "Sync"

    def get(self, request, *args, **kwargs):
        services.mark_stale_runs()
        self.polling = SyncRun.objects.filter(status__in=SyncRun.ACTIVE).exists()
        response = super().get(request, *args, **kwargs)
        if _is_poll(request) and not self.polling:
            response.status_code = HTMX_STOP_POLLING  # final state: htmx swaps this answer and stops
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["polling"] = self.polling
        context["poller_id"] = POLLER_ID
        context["polling_text"] = "A sync is running; this list refreshes itself."
        context["can_operate"] = self.request.user.has_perm(PERM_OPERATE)
        context["sync_form"] = SyncNowForm(auto_id="id_sync_%s")  # the filter has its own #id_resource
        return context


class SyncRunDetailView(ViewerRequiredMixin, DetailView):
    model = SyncRun
    queryset = SyncRun.objects.select_related("triggered_by")
    template_name = "sync/syncrun_detail.html"
    context_object_name = "run"

    def get(self, request, *args, **kwargs):
        services.mark_stale_runs()
        self.object = run = self.get_object()
        context = self.get_context_data(
            object=run,
            # not str(run): that names the status, which the polled partial updates but a title would not
            page_title=f"Sync run #{run.pk}: {resource_label(run.resource)} {run.scope}".strip(),
            back_url=list_url(self.request.GET.get("back", "")),
            poller_id=POLLER_ID,
            polling=self.object.is_active,
        )
        response = render_page_or_partial(
            request, page=self.template_name, partial="sync/_syncrun_detail.html", context=context
        )
        if _is_poll(request, DETAIL_ID) and not self.object.is_active:
            response.status_code = HTMX_STOP_POLLING
        return response


class SyncNowView(OperatorRequiredMixin, View):
    """POST: start a sync of one resource (``resource``) or of everything (empty)."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = SyncNowForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Unknown resource: nothing was started.")
            return redirect("sync:syncrun_list")
        resource = form.cleaned_data["resource"]
        runs = services.sync_start(
            resources=[resource] if resource else None, source=SyncRun.Source.UI, user=request.user
        )
        what = resource_label(resource) if resource else "everything"
        audit_record(
            action="sync.start",
            user=request.user,
            request=request,
            source=AuditEvent.Source.UI,
            object_type="syncrun",
            object_id=str(runs[0].pk),
            object_repr=f"sync {what}",
            after={"resources": [r.resource for r in runs], "run_ids": [r.pk for r in runs]},
            message=f"sync of {what} started ({len(runs)} run(s))",
        )
        messages.success(request, f"Sync of {what} started.")
        if len(runs) == 1:
            return redirect(runs[0].get_absolute_url())
        return redirect("sync:syncrun_list")
