import django_tables2 as tables
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from apps.core.tables import BaseTable, DateTimeColumn

from .models import Network, NetworkAccessProfile
from .selectors import country_name


def identifiers_text(identifiers) -> str:
    return ", ".join(
        f"{i.get('mcc')}-{i.get('mnc')}" for i in (identifiers or []) if isinstance(i, dict) and i.get("mcc")
    )


def render_country(code: str):
    if not code:
        return "—"
    return format_html('{} <span class="text-secondary small mono">{}</span>', country_name(code), code)


class NetworkTable(BaseTable):
    friendly_name = tables.Column(verbose_name="Network", linkify=True)
    iso_country = tables.Column(verbose_name="Country", order_by=("country_name", "friendly_name"))
    mcc_mnc = tables.Column(verbose_name="MCC-MNC", accessor="identifiers", orderable=False)
    naps = tables.Column(verbose_name="Allowed by NAPs", accessor="sid", orderable=False, empty_values=())
    sid = tables.Column(verbose_name="SID", attrs={"td": {"class": "mono text-secondary"}})

    class Meta:
        model = Network
        fields = ()
        sequence = ("iso_country", "friendly_name", "mcc_mnc", "naps", "sid")
        attrs = {"class": "table table-sm table-hover align-middle", "id": "network-table"}
        row_attrs = {"data-sid": lambda record: record.sid}
        order_by = ("iso_country",)

    def render_iso_country(self, value):
        return render_country(value)

    def render_mcc_mnc(self, value):
        return format_html('<span class="mono">{}</span>', identifiers_text(value))

    def render_naps(self, record):
        memberships = getattr(record, "live_memberships", [])
        if not memberships:
            return mark_safe('<span class="text-secondary">none</span>')  # noqa: S308 - a constant
        return format_html_join(
            " ",
            '<a class="badge text-bg-light border text-decoration-none" href="{}">{}</a>',
            ((m.get_absolute_url(), m.nap.unique_name if m.nap else m.nap_id) for m in memberships),
        )


class NapTable(BaseTable):
    unique_name = tables.Column(verbose_name="Network Access Profile", linkify=True, empty_values=())
    network_count = tables.Column(
        verbose_name="Networks", attrs={"td": {"class": "text-end"}, "th": {"class": "text-end"}}
    )
    fleet_count = tables.Column(
        verbose_name="Fleets", attrs={"td": {"class": "text-end"}, "th": {"class": "text-end"}}
    )
    sid = tables.Column(verbose_name="SID", attrs={"td": {"class": "mono text-secondary"}})
    date_created = DateTimeColumn(format="Y-m-d H:i", verbose_name="Created")

    class Meta:
        model = NetworkAccessProfile
        fields = ()
        sequence = ("unique_name", "network_count", "fleet_count", "sid", "date_created")
        attrs = {"class": "table table-sm table-hover align-middle", "id": "nap-table"}
        row_attrs = {"data-sid": lambda record: record.sid}
        order_by = ("unique_name",)

    def render_unique_name(self, value, record):
        if record.removed_at:
            return format_html('{} <span class="badge text-bg-danger">removed</span>', value or record.sid)
        return value or record.sid
