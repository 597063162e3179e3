import django_tables2 as tables
from django.urls import NoReverseMatch
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from apps.annotations.selectors import annotate_tags
from apps.annotations.templatetags.annotations import tag_badges_html
from apps.core.choices import badge_class
from apps.core.tables import BaseTable, DateTimeColumn
from apps.core.units import data_size_mb
from apps.sims.models import Sim

from .models import Fleet
from .selectors import fleets_attach_sim_counts


def megabytes(value) -> str:
    """A data limit (MB) as every page writes it (apps.core.units.data_size_mb: "20 GB", "750 MB")."""
    return data_size_mb(value)


class CountColumn(tables.Column):
    """A right-aligned SIM count; zero is muted."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("attrs", {"td": {"class": "text-end"}, "th": {"class": "text-end"}})
        super().__init__(*args, **kwargs)

    def render(self, value):
        if not value:
            return mark_safe('<span class="text-secondary">0</span>')  # noqa: S308 - a constant
        return f"{value:,}"


class FleetTable(BaseTable):
    unique_name = tables.Column(
        verbose_name="Fleet", linkify=True, order_by=("unique_name", "id"), empty_values=()
    )
    network_access_profile = tables.Column(
        verbose_name="Network Access Profile", linkify=True, order_by=("network_access_profile__unique_name",)
    )
    data_limit = tables.Column(verbose_name="Data limit")
    data_enabled = tables.BooleanColumn(verbose_name="Data")
    sms_commands_enabled = tables.BooleanColumn(verbose_name="SMS cmds")
    tags = tables.Column(
        verbose_name="Tags", accessor="sid", orderable=False, empty_values=()
    )  # apps.annotations
    sims_total = CountColumn(verbose_name="SIMs")
    sims_active = CountColumn(verbose_name="Active")
    sims_ready = CountColumn(verbose_name="Ready")
    sims_inactive = CountColumn(verbose_name="Inactive")
    sims_new = CountColumn(verbose_name="New")
    sims_scheduled = CountColumn(verbose_name="Scheduled")

    class Meta:
        model = Fleet
        fields = ()
        sequence = (
            "unique_name",
            "network_access_profile",
            "data_limit",
            "data_enabled",
            "sms_commands_enabled",
            "tags",
            "sims_total",
            "sims_active",
            "sims_ready",
            "sims_inactive",
            "sims_new",
            "sims_scheduled",
        )
        attrs = {"class": "table table-sm table-hover align-middle", "id": "fleet-table"}
        row_attrs = {"data-sid": lambda record: record.sid}
        order_by = ("unique_name",)

    def before_render(self, request):
        page = [row.record for row in self.paginated_rows]
        uncounted = [fleet for fleet in page if not hasattr(fleet, "sims_total")]
        if uncounted:
            fleets_attach_sim_counts(uncounted)
        annotate_tags(page)

    def render_tags(self, record):
        return tag_badges_html(getattr(record, "tag_list", []))

    def render_unique_name(self, value, record):
        removed = ' <span class="badge text-bg-danger">removed</span>' if record.removed_at else ""
        return format_html(
            '{}<span class="mono text-secondary ms-2">{}</span>' + removed, value or "(no name)", record.sid
        )

    def render_data_limit(self, value):
        return megabytes(value)


def _sim_url(record: Sim) -> str | None:
    try:
        return record.get_absolute_url()
    except NoReverseMatch:  # the SIM pages are built by another app; no link until they exist
        return None


class FleetSimTable(BaseTable):
    """The SIMs of one fleet (on the fleet page)."""

    iccid = tables.Column(verbose_name="ICCID", linkify=_sim_url, attrs={"td": {"class": "mono"}})
    unique_name = tables.Column(verbose_name="Name")
    status = tables.Column()
    sid = tables.Column(verbose_name="SID", attrs={"td": {"class": "mono text-secondary"}})
    date_created = DateTimeColumn(format="Y-m-d H:i", verbose_name="Created")

    class Meta:
        model = Sim
        fields = ("iccid", "unique_name", "status", "sid", "date_created")
        attrs = {"class": "table table-sm table-hover align-middle", "id": "fleet-sim-table"}
        order_by = ("-date_created",)
        empty_text = "No SIMs in this fleet."

    def render_status(self, value, record):
        return format_html('<span class="badge {}">{}</span>', badge_class(record.status), value)
