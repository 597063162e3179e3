from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.views import View
from django.views.generic import DetailView, TemplateView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from apps.accounts.permissions import PERM_OPERATE, OperatorRequiredMixin, ViewerRequiredMixin
from apps.savedviews.mixins import SavedViewsMixin

from .csvsafe import csv_rows
from .filtersets import JobFilterSet
from .htmx import HTMX_STOP_POLLING, is_htmx, render_page_or_partial, trigger
from .jobs import job_retry_failed
from .models import Job, JobItem
from .paging import CountedPaginator, configure_table
from .tables import JobTable


class ObjectListView(ViewerRequiredMixin, SavedViewsMixin, SingleTableMixin, FilterView):
    """The one list view (NetBox's ObjectListView): FilterSet + Table, htmx partial for the table.

    Subclasses set ``queryset`` (ordered, with select_related), ``filterset_class``, ``table_class`` and
    ``page_title``. An htmx request aimed at ``#object-list`` (filter form, sort and page links) gets only
    the table partial; the URL is pushed by the client so the page stays shareable and the back button works.
    Paging: numbered pages over the filtered rows with their total count ("1,234 fleets", see
    :meth:`count_rows`); ``page`` and ``per_page`` are read by apps.core.paging (bad values clamped, never a
    500). A list too big for OFFSET paging (the SIM list) overrides :meth:`get_table_pagination`.
    Saved views, the column chooser and the default view come with ``SavedViewsMixin`` (apps.savedviews).
    """

    template_name = "core/object_list.html"
    partial_template_name = "core/_object_list.html"
    paginate_by = None  # the table paginates (apps.core.paging), not Django's ListView
    per_page = 50
    page_title = ""
    #: how the count names one row / several rows (default: the model's verbose names)
    item_name = ""
    item_name_plural = ""
    filterset_class = None
    strict = False  # invalid filter values show errors and an empty table, never a crash

    def get_template_names(self):
        htmx = getattr(self.request, "htmx", None)
        if htmx and htmx.target == "object-list":
            return [self.partial_template_name]
        return [self.template_name]

    def get_table(self, **kwargs):
        table = self.get_table_class()(data=self.get_table_data(), **kwargs)
        return configure_table(
            self.request, table, per_page=self.per_page, **self.get_table_pagination(table)
        )

    def count_rows(self, queryset) -> int:
        """The total of the filtered rows (one ``COUNT(*)``; a big list caches it, see SimListView)."""
        return queryset.count()

    def get_table_pagination(self, table) -> dict:
        """Options for ``table.paginate`` (apps.core.paging.configure_table reads page and per_page)."""
        return {"paginator_class": CountedPaginator, "count": self.count_rows(table.data.data)}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["page_title"] = self.page_title or self.model._meta.verbose_name_plural.capitalize()
        context["partial_template"] = self.partial_template_name
        table = context["table"]
        meta = table.data.data.model._meta
        table.item_name = self.item_name or meta.verbose_name
        table.item_name_plural = self.item_name_plural or meta.verbose_name_plural
        paginator = getattr(table, "paginator", None)
        if isinstance(paginator, CountedPaginator) and table.page:
            table.page_links = list(
                paginator.get_elided_page_range(table.page.number, on_each_side=2, on_ends=1)
            )
        return context

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        patch_vary_headers(response, ("HX-Request", "HX-Target"))
        return response


class HomeView(ViewerRequiredMixin, TemplateView):
    """The dashboard: SIM counts by status, data used (24 h / 30 days), top SIMs, last syncs, recent
    commands and changes. Local, aggregated data only (a fixed number of queries)."""

    template_name = "core/home.html"
    extra_context = {"page_title": "Dashboard"}

    def get_context_data(self, **kwargs):
        from datetime import timedelta

        from django.utils import timezone

        from apps.audit.models import AuditEvent
        from apps.commands.selectors import commands_recent
        from apps.sync.models import SyncRun
        from apps.sync.selectors import first_sync
        from apps.usage.selectors import Window, sim_status_counts, usage_breakdown, usage_total

        context = super().get_context_data(**kwargs)
        now = timezone.now()
        hour = now.replace(minute=0, second=0, microsecond=0)
        last_30 = Window.last_days(30, now=now)
        month = Window(now.replace(day=1, hour=0, minute=0, second=0, microsecond=0), last_30.end)
        runs = {}
        for run in SyncRun.objects.filter(status__in=SyncRun.FINAL, scope="").order_by("-id")[:50]:
            runs.setdefault(run.resource, run)
        statuses = sim_status_counts()
        first = first_sync()
        context.update(
            first_sync=first if first is not None and first.active else None,
            sim_statuses=statuses,
            sim_total=sum(s["count"] for s in statuses),
            usage_24h=usage_total(window=Window(hour - timedelta(hours=23), hour + timedelta(hours=1))),
            usage_30d=usage_total(window=last_30),
            top_sims=usage_breakdown(group="sim", window=month, limit=5)["items"],
            last_syncs=sorted(runs.values(), key=lambda r: r.resource),
            last_sync=max(runs.values(), key=lambda r: r.pk, default=None),
            recent_commands=commands_recent(limit=6),
            recent_changes=list(
                AuditEvent.objects.summaries()
                .exclude(action="access.denied")
                .order_by("-timestamp", "-id")[:8]
            ),
        )
        return context


class FirstSyncProgressView(ViewerRequiredMixin, View):
    """The home page's first-sync card, polled by htmx every 2 s while the first sync runs; answers 286
    (stop polling) with a "finished" card once every run of it is final (runs left by a dead worker are
    failed first, so the card never polls forever)."""

    def get(self, request):
        from apps.sync.selectors import first_sync
        from apps.sync.services import mark_stale_runs

        mark_stale_runs()
        first = first_sync()
        response = render(request, "core/_first_sync.html", {"first_sync": first})
        if first is None or not first.active:
            response.status_code = HTMX_STOP_POLLING
        return response


@login_not_required
def health(request):
    """Liveness + database check for load balancers and docker-compose."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return JsonResponse({"status": "ok"})
    except Exception:  # noqa: BLE001
        return JsonResponse({"status": "database unavailable"}, status=503)


# --- background jobs -------------------------------------------------------------------------------------
JOBS_POLLER_ID = "jobs-poller"


class JobListView(ObjectListView):
    """The jobs index, newest first, filtered by kind, status and who started them (viewers may look).

    While a job shown on the page is pending or running, the list refreshes itself every 2 s (its poller
    element); the poll is answered with 286 (htmx swaps it and stops) once every job shown is final."""

    queryset = Job.objects.select_related("created_by").order_by("-created_at", "-id")
    filterset_class = JobFilterSet
    table_class = JobTable
    page_title = "Jobs"

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        htmx = getattr(request, "htmx", None)
        if htmx and htmx.trigger == JOBS_POLLER_ID and not self.polling:
            response.status_code = HTMX_STOP_POLLING
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = context["table"].page
        rows = page.object_list if page else []
        self.polling = any(not row.record.is_final for row in rows)
        context.update(
            polling=self.polling,
            poller_id=JOBS_POLLER_ID,
            polling_text="A job is running; this list refreshes itself.",
        )
        return context


class JobDetailView(ViewerRequiredMixin, DetailView):
    """A job: progress, counts, actions and its items (the first 200, optionally one status only).

    While the job is not final the page's ``#job-detail`` partial polls this URL every second and is
    replaced by the answer (rows, counts and actions follow the job: "Retry the failed" appears once items
    failed); once the job is final the poll is answered with 286 (htmx swaps it and stops polling) and a
    ``jobFinished`` event."""

    model = Job
    queryset = Job.objects.select_related("created_by")
    template_name = "core/job_detail.html"
    partial_template_name = "core/_job_detail.html"
    context_object_name = "job"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        job = self.object
        items = job.items.order_by("seq")
        show = self.request.GET.get("show", "")
        if show in JobItem.Status.values:
            items = items.filter(status=show)
        context.update(
            page_title=job.title,
            items=items[:200],
            show=show,
            statuses=JobItem.Status.choices,
            can_operate=self.request.user.has_perm(PERM_OPERATE),
        )
        return context

    def render_to_response(self, context, **kwargs):
        response = render_page_or_partial(
            self.request, page=self.template_name, partial=self.partial_template_name, context=context
        )
        if is_htmx(self.request) and self.object.is_final:
            response.status_code = HTMX_STOP_POLLING
            trigger(response, "jobFinished", {"id": self.object.pk, "status": self.object.status})
        return response


class JobRetryView(OperatorRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        job = get_object_or_404(Job, pk=pk)
        count = job_retry_failed(job=job, user=request.user, request=request)
        messages.success(request, f"{count} failed item(s) queued again.")
        return redirect(job)


class JobResultsCsvView(ViewerRequiredMixin, View):
    def get(self, request, pk):
        job = get_object_or_404(Job, pk=pk)
        result_keys: list[str] = []
        for status in (JobItem.Status.SUCCEEDED, JobItem.Status.FAILED):  # the columns of both kinds of rows
            results = job.items.filter(status=status).exclude(result={}).values_list("result", flat=True)
            for result in results[:50]:
                result_keys += [k for k in result if k not in result_keys]
        rows = (
            [item.key, item.status, item.error, *[item.result.get(k, "") for k in result_keys]]
            for item in job.items.order_by("seq").iterator(chunk_size=2000)
        )
        response = StreamingHttpResponse(
            csv_rows(["key", "status", "error", *result_keys], rows), content_type="text/csv"
        )
        response["Content-Disposition"] = f'attachment; filename="job-{job.pk}-results.csv"'
        return response
