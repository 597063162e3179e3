import django_tables2 as tables
from django.urls import NoReverseMatch
from django.utils.html import format_html

from apps.core.choices import badge_class
from apps.core.tables import DateTimeColumn

from .models import Sim

NO_BOOST = {"a": {"hx-boost": "false"}}  # links to other pages leave the htmx-boosted table


def _fleet_url(record: Sim) -> str | None:
    if not record.fleet_id or record.fleet is None:
        return None
    try:
        return record.fleet.get_absolute_url()
    except NoReverseMatch:
        return None


def _nap_url(record: Sim) -> str | None:
    nap = record.fleet.network_access_profile if record.fleet_id and record.fleet else None
    if nap is None:
        return None
    try:
        return nap.get_absolute_url()
    except NoReverseMatch:
        return None


class SimTable(tables.Table):
    """Columns (headers, sorting); the rows are rendered by ``sims/_table.html`` directly."""

    selection = tables.CheckBoxColumn(
        accessor="sid",
        orderable=False,
        attrs={
            "input": {"form": "bulk-form", "name": "sids", "class": "form-check-input sim-select"},
            "th__input": {
                "class": "form-check-input",
                "id": "select-page",
                "aria-label": "Select every SIM on this page",
            },
            "td": {"class": "sim-select-cell"},
        },
    )
    iccid = tables.Column(
        verbose_name="ICCID",
        linkify=True,
        order_by=("iccid", "id"),
        attrs={"td": {"class": "mono"}, **NO_BOOST},
    )
    unique_name = tables.Column(verbose_name="Name", order_by=("unique_name", "id"))
    tags = tables.Column(
        verbose_name="Tags", accessor="sid", orderable=False, empty_values=()
    )  # apps.annotations
    status = tables.Column(order_by=("status", "id"))
    fleet = tables.Column(verbose_name="Fleet", linkify=_fleet_url, orderable=False, attrs=NO_BOOST)
    nap = tables.Column(
        verbose_name="Network Access Profile",
        accessor="fleet__network_access_profile",
        linkify=_nap_url,
        orderable=False,
        attrs=NO_BOOST,
    )
    sid = tables.Column(
        verbose_name="SID", orderable=False, attrs={"td": {"class": "mono text-secondary small"}}
    )
    date_created = DateTimeColumn(format="Y-m-d H:i", verbose_name="Created", order_by=("date_created", "id"))
    # from connection events (apps/events.selectors.annotate_connection)
    online = tables.Column(verbose_name="Online", accessor="sid", orderable=False, empty_values=())
    last_seen = tables.Column(verbose_name="Last seen", accessor="sid", orderable=False, empty_values=())
    network = tables.Column(verbose_name="Network", accessor="sid", orderable=False, empty_values=())

    class Meta:
        model = Sim
        fields = ()
        sequence = (
            "selection", "iccid", "unique_name", "tags", "status", "fleet", "nap", "sid", "date_created",
            "online", "last_seen", "network",
        )  # fmt: skip
        attrs = {"class": "table table-sm table-hover align-middle", "id": "sim-table", "aria-label": "SIMs"}
        row_attrs = {"data-sid": lambda record: record.sid}
        order_by = ("-date_created",)
        empty_text = "No SIMs match."
        template_name = "sims/_table.html"

    def render_status(self, value, record):
        removed = ' <span class="badge text-bg-danger">removed</span>' if record.removed_at else ""
        return format_html(
            '<span class="badge {}" data-status="{}">{}</span>' + removed,
            badge_class(record.status),
            record.status,
            value,
        )
