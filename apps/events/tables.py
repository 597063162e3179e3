import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html

from apps.core.tables import BaseTable, DateTimeColumn

from .models import REJECTIONS, ConnectionEvent, DeadLetter
from .parse import cause_in_words


class ConnectionEventTable(BaseTable):
    timestamp = DateTimeColumn(format="Y-m-d H:i:s", verbose_name="Time")
    type = tables.Column(verbose_name="Event")
    sim_sid = tables.Column(verbose_name="SIM")
    network_name = tables.Column(verbose_name="Network", empty_values=())
    iso_country = tables.Column(verbose_name="Country")
    rat_type = tables.Column(verbose_name="RAT")
    data_total = tables.Column(verbose_name="Bytes")
    detail = tables.Column(verbose_name="Detail", accessor="pk", orderable=False, empty_values=())

    class Meta:
        model = ConnectionEvent
        fields = ("timestamp", "type", "sim_sid", "network_name", "iso_country", "rat_type", "data_total")
        attrs = {"class": "table table-sm table-hover align-middle", "id": "events-table"}
        row_attrs = {"class": lambda record: "table-danger" if record.type in REJECTIONS else ""}
        order_by = ("-timestamp",)

    def render_type(self, record):
        return record.get_type_display()

    def render_sim_sid(self, value, record):
        url = reverse("sims:sim_detail", kwargs={"sid": value})
        return format_html('<a class="mono" href="{}">{}</a>', url, record.sim_unique_name or value)

    def render_network_name(self, value, record):
        return value or record.network_sid or "—"

    def render_detail(self, record):
        if record.type in REJECTIONS:
            return cause_in_words(record.error_code, record.error_message)
        return record.imei and f"IMEI {record.imei}" or "—"


class DeadLetterTable(BaseTable):
    received_at = DateTimeColumn(format="Y-m-d H:i:s", verbose_name="Received")
    batch = tables.Column(verbose_name="Batch", accessor="batch_id")
    position = tables.Column(verbose_name="#")
    reason = tables.Column()
    member = tables.Column(verbose_name="As sent", orderable=False)

    class Meta:
        model = DeadLetter
        fields = ("received_at", "batch", "position", "reason", "member")
        attrs = {"class": "table table-sm table-hover align-middle", "id": "dead-letter-table"}
        order_by = ("-received_at",)

    def render_member(self, value):
        text = value if len(value) <= 200 else value[:199] + "…"
        return format_html('<code class="small text-break">{}</code>', text)
