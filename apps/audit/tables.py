import django_tables2 as tables
from django.utils.html import format_html

from .models import AuditEvent


class AuditEventTable(tables.Table):
    timestamp = tables.DateTimeColumn(format="Y-m-d H:i:s")
    username = tables.Column(verbose_name="User")
    action = tables.Column()
    object_repr = tables.Column(verbose_name="Object", order_by=("object_type", "object_id"))
    success = tables.BooleanColumn(verbose_name="OK")
    source = tables.Column()
    message = tables.Column(orderable=False)

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
        attrs = {"class": "table table-sm table-hover align-middle"}
        order_by = ("-timestamp",)

    def render_object_repr(self, value, record):
        label = f"{record.object_type}: {value}" if record.object_type else value
        if record.object_url:
            return format_html('<a href="{}" hx-boost="false">{}</a>', record.object_url, label)
        return label

    def render_request_id(self, value):
        return format_html('<span class="mono text-secondary">{}</span>', value[:8])
