import django_tables2 as tables
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import timesince_filter
from django.urls import NoReverseMatch
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime

from apps.annotations.templatetags.annotations import tag_badges_html
from apps.core.choices import badge_class
from apps.core.tables import BaseTable, DateTimeColumn, SelectColumn

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


class SimTable(BaseTable):
    """The SIM list. Online / Last seen / Network read the connection state the list view gives each
    SIM of the page (apps.events.selectors.annotate_connection: ``connection``, ``connection_online``)."""

    selection = SelectColumn(
        noun="SIM",
        accessor="sid",
        attrs={
            "input": {
                "form": "bulk-form",
                "name": "sids",
                "class": "form-check-input sim-select",
                "aria-label": lambda record: f"Select {record.iccid}",
            },
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
    tags = tables.Column(  # apps.annotations
        verbose_name="Tags",
        accessor="sid",
        orderable=False,
        empty_values=(),
        attrs={"td": {"class": "sim-tags"}},
    )
    status = tables.Column(order_by=("status", "id"))
    fleet = tables.Column(
        verbose_name="Fleet", linkify=_fleet_url, orderable=False, empty_values=(), attrs=NO_BOOST
    )
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
    last_seen = tables.Column(
        verbose_name="Last seen",
        accessor="sid",
        orderable=False,
        empty_values=(),
        attrs={"td": {"class": "text-nowrap"}},
    )
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
        template_name = "sims/_table.html"  # core/_table.html with the SIM list's keyset pager

    def render_status(self, value, record):
        removed = ' <span class="badge text-bg-danger">removed</span>' if record.removed_at else ""
        return format_html(
            '<span class="badge {}" data-status="{}">{}</span>' + removed,
            badge_class(record.status),
            record.status,
            value,
        )

    def render_tags(self, record):
        return tag_badges_html(getattr(record, "tag_list", []))

    def render_fleet(self, value, record):
        if value is not None:
            return value
        if record.fleet_id:  # a fleet not synced (yet)
            return format_html('<span class="mono small">{}</span>', record.fleet_id)
        return "—"

    def render_nap(self, value):
        return format_html('<span title="{}">{}</span>', value.sid, value)

    def render_online(self, record):
        if record.connection_online:
            return mark_safe('<span class="badge text-bg-success" data-online="1">online</span>')  # noqa: S308
        if record.connection:
            return mark_safe('<span class="badge text-bg-secondary" data-online="0">offline</span>')  # noqa: S308
        return mark_safe('<span class="text-secondary small" data-online="">never</span>')  # noqa: S308

    def render_last_seen(self, record):
        seen = record.connection.last_seen_at if record.connection else None
        if seen is None:
            return "—"
        return format_html(
            '<span title="{}">{} ago</span>',
            date_filter(template_localtime(seen), "Y-m-d H:i:s"),
            timesince_filter(seen),
        )

    def render_network(self, record):
        c = record.connection
        if c is None or not (c.network_name or c.network_sid):
            return "—"
        country = format_html(" ({})", c.iso_country) if c.iso_country else ""
        imei = (
            mark_safe(' <span class="badge text-bg-warning" title="IMEI changed">IMEI</span>')  # noqa: S308
            if c.imei_changed
            else ""
        )
        return format_html("{}{}{}", c.network_name or c.network_sid, country, imei)
