import django_tables2 as tables
from django.utils.html import format_html
from django.utils.http import urlencode

from apps.core.tables import BaseTable, DateTimeColumn

from .models import SyncRun
from .registry import resource_label


class SyncRunTable(BaseTable):
    id = tables.Column(verbose_name="Run")
    resource = tables.Column()
    status = tables.Column()
    source = tables.Column()
    created_at = DateTimeColumn(format="Y-m-d H:i:s", verbose_name="Created")
    duration = tables.Column(empty_values=(), orderable=False)
    pages = tables.Column()
    items = tables.Column()
    created = tables.Column(verbose_name="New")
    updated = tables.Column()
    unchanged = tables.Column()
    removed = tables.Column()
    errors = tables.Column()
    error = tables.Column(verbose_name="Message", orderable=False)

    class Meta:
        model = SyncRun
        fields = (
            "id",
            "resource",
            "status",
            "source",
            "created_at",
            "duration",
            "pages",
            "items",
            "created",
            "updated",
            "unchanged",
            "removed",
            "errors",
            "error",
        )
        attrs = {"class": "table table-sm table-hover align-middle", "id": "syncrun-table"}
        order_by = ("-created_at",)

    def render_id(self, value, record):
        """A link to the run's own page (never boosted into the list), carrying the list's query as
        ``?back=`` so that page's back link returns to the same filters, sort and page."""
        request = getattr(self, "request", None)
        query = request.GET.urlencode() if request is not None else ""
        url = record.get_absolute_url() + ("?" + urlencode({"back": query}) if query else "")
        return format_html('<a href="{}" hx-boost="false">#{}</a>', url, value)

    def render_resource(self, value, record):
        label = resource_label(value)
        return f"{label} {record.scope}" if record.scope else label

    def render_status(self, value, record):
        return format_html(
            '<span class="badge {}" data-status="{}">{}</span>',
            record.status_badge_class,
            record.status,
            record.get_status_display(),
        )

    def render_duration(self, record):
        d = record.duration
        return f"{d.total_seconds():.1f} s" if d is not None else "—"

    def render_error(self, value):
        return value if len(value) <= 120 else value[:117] + "…"
