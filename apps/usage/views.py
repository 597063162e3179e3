from __future__ import annotations

from django.http import Http404, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from apps.accounts.permissions import ViewerRequiredMixin
from apps.core.csvsafe import csv_rows

from .choices import UsageGroup
from .forms import UsageQueryForm
from .selectors import fleet_sims_near_limit, usage_breakdown, usage_series

#: chart name -> the group whose breakdown it shows
BREAKDOWNS = {
    "top_sims": UsageGroup.SIM.value,
    "countries": UsageGroup.ISO_COUNTRY.value,
    "networks": UsageGroup.NETWORK.value,
    "fleets": UsageGroup.FLEET.value,
}
CHARTS = ["series", *BREAKDOWNS]


def chart_data(form: UsageQueryForm, chart: str) -> dict:
    data = form.cleaned_data
    if chart == "series":
        out = usage_series(
            group=data["scope"], key=data["key"], granularity=data["granularity"], window=form.window
        )
    else:
        out = usage_breakdown(
            group=BREAKDOWNS[chart], window=form.window, limit=10, scope=data["scope"], key=data["key"]
        )
    out.update(
        chart=chart,
        scope=data["scope"],
        key=data["key"],
        start=data["start"].isoformat(),
        end=data["end"].isoformat(),
    )
    return out


def _form_or_error(request):
    form = UsageQueryForm(request.GET, with_choices=False)
    if not form.is_valid():
        errors = [e for errs in form.errors.values() for e in errs]
        return None, JsonResponse({"errors": errors}, status=400)
    return form, None


def _chart(request) -> str:
    chart = request.GET.get("chart", "series")
    if chart not in CHARTS:
        raise Http404("unknown chart")
    return chart


class UsageOverviewView(ViewerRequiredMixin, TemplateView):
    template_name = "usage/usage_overview.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = UsageQueryForm(self.request.GET or {"scope": "account", "granularity": "day"})
        valid = form.is_valid()
        query = self.request.GET.urlencode()
        data_url = reverse("usage:usage_chart_data")
        csv_url = reverse("usage:usage_export_csv")
        charts = [
            ("series", "Data over time", "line"),
            ("top_sims", "Top SIMs", "bar"),
            ("countries", "Usage by country", "bar"),
            ("networks", "Usage by network", "bar"),
        ]
        context.update(
            page_title="Usage",
            form=form,
            valid=valid,
            charts=[
                {
                    "name": name,
                    "title": title,
                    "kind": kind,
                    "url": f"{data_url}?chart={name}&{query}",
                    "csv": f"{csv_url}?chart={name}&{query}",
                }
                for name, title, kind in charts
            ],
        )
        return context


class UsageChartDataView(ViewerRequiredMixin, View):
    """JSON for one chart: ``?chart=series|top_sims|countries|networks|fleets`` + the query form's fields."""

    def get(self, request):
        chart = _chart(request)
        form, error = _form_or_error(request)
        if error:
            return error
        return JsonResponse(chart_data(form, chart))


class UsageExportCsvView(ViewerRequiredMixin, View):
    """CSV of exactly what a chart shows (same parameters as the chart data, so the same scope)."""

    def get(self, request):
        chart = _chart(request)
        form, error = _form_or_error(request)
        if error:
            return error
        data = chart_data(form, chart)
        unit = data.get("currency") or ""
        if chart == "series":
            header = [
                "period_start",
                "data_upload",
                "data_download",
                "data_total",
                f"billed_{unit}".rstrip("_"),
            ]
            rows = (
                [p["period"], p["upload"], p["download"], p["total"], p["billed"]] for p in data["points"]
            )
        else:
            header = [
                "key",
                "name",
                "data_upload",
                "data_download",
                "data_total",
                f"billed_{unit}".rstrip("_"),
            ]
            rows = (
                [i["key"], i["label"], i["upload"], i["download"], i["total"], i["billed"]]
                for i in data["items"]
            )
        response = StreamingHttpResponse(csv_rows(header, rows), content_type="text/csv")
        key = f"-{data['key']}" if data.get("key") else ""
        name = f"usage-{chart}-{data['scope']}{key}-{data['start']}-{data['end']}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class FleetNearLimitView(ViewerRequiredMixin, View):
    """Partial: the fleet's SIMs nearest to (or over) the fleet's data limit this month (hx-get it)."""

    def get(self, request, sid):
        from apps.fleets.models import Fleet

        fleet = get_object_or_404(Fleet, sid=sid)
        rows = fleet_sims_near_limit(fleet=fleet, limit=20)
        return render(request, "usage/_fleet_sims_near_limit.html", {"fleet": fleet, "rows": rows})
