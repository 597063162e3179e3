from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.utils.cache import patch_vary_headers
from django.views.generic import TemplateView
from django_filters.views import FilterView
from django_tables2 import LazyPaginator, SingleTableMixin

from apps.accounts.permissions import ViewerRequiredMixin


class ObjectListView(ViewerRequiredMixin, SingleTableMixin, FilterView):
    """The one list view (NetBox's ObjectListView): FilterSet + Table, htmx partial for the table.

    Subclasses set ``queryset`` (ordered, with select_related), ``filterset_class``, ``table_class`` and
    ``page_title``. An htmx request aimed at ``#object-list`` (filter form, sort and page links) gets only
    the table partial; the URL is pushed by the client so the page stays shareable and the back button works.
    Paging uses LazyPaginator: no ``COUNT(*)`` over the whole table.
    """

    template_name = "core/object_list.html"
    partial_template_name = "core/_object_list.html"
    paginate_by = 50
    page_title = ""
    filterset_class = None
    strict = False  # invalid filter values show errors and an empty table, never a crash

    def get_template_names(self):
        htmx = getattr(self.request, "htmx", None)
        if htmx and htmx.target == "object-list":
            return [self.partial_template_name]
        return [self.template_name]

    def get_table_pagination(self, table):
        per_page = self.request.GET.get("per_page", "")
        size = int(per_page) if per_page.isdigit() and 0 < int(per_page) <= 500 else self.paginate_by
        return {"per_page": size, "paginator_class": LazyPaginator}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["page_title"] = self.page_title or self.model._meta.verbose_name_plural.capitalize()
        context["partial_template"] = self.partial_template_name
        return context

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        patch_vary_headers(response, ("HX-Request", "HX-Target"))
        return response


class HomeView(ViewerRequiredMixin, TemplateView):
    template_name = "core/home.html"
    extra_context = {"page_title": "Dashboard"}


@login_not_required
def health(request):
    """Liveness + database check for load balancers and docker-compose."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return JsonResponse({"status": "ok"})
    except Exception:  # noqa: BLE001
        return JsonResponse({"status": "database unavailable"}, status=503)
