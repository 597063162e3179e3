from urllib.parse import urlencode

import django_tables2 as tables
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html

from apps.core.tables import BaseTable, DateTimeColumn

from .models import AuditEvent


def detail_url(record: AuditEvent) -> str:
    return reverse("audit:auditevent_detail", kwargs={"pk": record.pk})


class AuditEventTable(BaseTable):
    timestamp = DateTimeColumn(
        format="Y-m-d H:i:s", linkify=lambda record: detail_url(record), attrs={"a": {"hx-boost": "false"}}
    )
    username = tables.Column(verbose_name="User")
    action = tables.Column()
    object_repr = tables.Column(verbose_name="Object", order_by=("object_type", "object_id"), empty_values=())
    success = tables.BooleanColumn(verbose_name="OK")
    source = tables.Column()
    message = tables.Column(orderable=False)
    request_id = tables.Column(verbose_name="Request", orderable=False)
    details = tables.Column(verbose_name="", accessor="pk", orderable=False, empty_values=())

    class Meta:
        model = AuditEvent
        fields = (
            "timestamp",
            "username",
            "action",
            "object_repr",
            "success",
            "source",
            "message",
            "request_id",
        )
        attrs = {"class": "table table-sm table-hover align-middle", "id": "audit-table"}
        row_attrs = {"class": lambda record: "" if record.success else "table-danger"}
        order_by = ("-timestamp",)

    @cached_property
    def list_url(self) -> str:
        return reverse("audit:auditevent_list")

    def render_object_repr(self, value, record):
        if not (value or record.object_id):
            return "—"
        label = value or record.object_id
        label = f"{record.object_type}: {label}" if record.object_type else label
        if record.object_url:
            return format_html('<a href="{}" hx-boost="false">{}</a>', record.object_url, label)
        return label

    def render_message(self, value):
        return value if len(value) <= 120 else value[:119] + "…"

    def render_request_id(self, value):
        if not value:
            return "—"
        url = self.list_url + "?" + urlencode({"request_id": value})
        return format_html(
            '<a class="mono text-secondary" href="{}" title="{}">{}</a>', url, value, value[:8]
        )

    def render_details(self, record):
        return format_html(
            '<a class="btn btn-outline-secondary btn-sm py-0" href="{}" hx-boost="false">details</a>',
            detail_url(record),
        )
