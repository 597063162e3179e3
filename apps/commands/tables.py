import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html

from apps.core.tables import BaseTable, DateTimeColumn

from .models import IpCommand, SmsCommand
from .services import payload_bytes, payload_text


def _badge(record):
    return format_html(
        '<span class="badge {}">{}</span>', record.status_badge_class, record.get_status_display() or "—"
    )


def _direction(value):
    icon = "bi-box-arrow-in-down" if value == "from_sim" else "bi-box-arrow-up-right"
    return format_html('<i class="bi {}"></i> {}', icon, "From SIM" if value == "from_sim" else "To SIM")


class _CommandTable(BaseTable):
    sid = tables.Column(linkify=True, verbose_name="SID", attrs={"td": {"class": "mono"}})
    date_created = DateTimeColumn(format="Y-m-d H:i:s", verbose_name="Created")
    direction = tables.Column()
    sim = tables.Column(verbose_name="SIM", accessor="sim_id", empty_values=())
    status = tables.Column()
    payload = tables.Column(verbose_name="Payload", orderable=False)
    hex = tables.Column(
        verbose_name="Hex", empty_values=(), orderable=False, attrs={"td": {"class": "mono payload-hex"}}
    )

    def render_sid(self, value, record):
        return format_html('<span title="{}">{}…</span>', value, value[:14])

    def render_status(self, value, record):
        return _badge(record)

    def render_direction(self, value):
        return _direction(value)

    def render_sim(self, value, record):
        if not value:
            return record.sim_label or "—"
        url = reverse("sims:sim_detail", kwargs={"sid": value})
        return format_html('<a href="{}" title="{}">{}</a>', url, value, record.sim_label)

    def render_payload(self, value, record):
        raw = payload_bytes(record)
        text = payload_text(raw)
        if text is None:
            return format_html(
                '<span class="text-secondary">binary, {} byte{}</span>',
                len(raw),
                "" if len(raw) == 1 else "s",
            )
        return text if len(text) <= 60 else text[:60] + "…"

    def render_hex(self, record):
        raw = payload_bytes(record)
        out = raw[:24].hex(" ")
        return out + (" …" if len(raw) > 24 else "")


class SmsCommandTable(_CommandTable):
    class Meta:
        model = SmsCommand
        fields = ("sid", "date_created", "direction", "sim", "status", "payload", "hex")
        order_by = ("-date_created",)


class IpCommandTable(_CommandTable):
    device_port = tables.Column(verbose_name="Port")
    payload_type = tables.Column(verbose_name="Type")

    class Meta:
        model = IpCommand
        fields = (
            "sid",
            "date_created",
            "direction",
            "sim",
            "status",
            "device_port",
            "payload_type",
            "payload",
            "hex",
        )
        order_by = ("-date_created",)
