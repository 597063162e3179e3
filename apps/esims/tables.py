import django_tables2 as tables
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html

from apps.core.tables import BaseTable, DateTimeColumn, SelectColumn

from .models import EsimProfile


class EsimProfileTable(BaseTable):
    select = SelectColumn(
        noun="eSIM profile",
        accessor="sid",
        attrs={
            "input": {"name": "sid", "form": "esim-print-form", "class": "form-check-input"},
            "th__input": {"class": "form-check-input", "data-select-all": "sid"},
        },
    )
    sid = tables.Column(verbose_name="Profile", order_by=("sid",))  # render_sid writes the link
    status = tables.Column(order_by=("status", "id"))
    iccid = tables.Column(verbose_name="ICCID")
    eid = tables.Column(verbose_name="EID")
    sim = tables.Column(verbose_name="SIM", accessor="sim_id", orderable=False)
    matching_id = tables.Column(verbose_name="Matching ID", orderable=False)
    date_created = DateTimeColumn(verbose_name="Created", format="Y-m-d H:i")

    class Meta:
        model = EsimProfile
        fields = ("select", "sid", "status", "iccid", "eid", "sim", "matching_id", "date_created")
        order_by = ("-date_created",)
        attrs = {"class": "table table-sm table-hover align-middle"}
        empty_text = "No eSIM profiles."

    def render_sid(self, record, value):
        return format_html('<a class="mono" href="{}">{}</a>', record.get_absolute_url(), value)

    def render_status(self, record, value):
        return format_html(
            '<span class="badge {}">{}</span>', record.status_badge_class, record.get_status_display()
        )

    def render_iccid(self, value):
        return format_html('<span class="mono">{}</span>', value)

    def render_eid(self, value):
        return format_html('<span class="mono small">{}</span>', value)

    def render_sim(self, record, value):
        sim = record.sim if record.sim_id else None
        if sim is None:
            return format_html('<span class="mono small text-secondary">{}</span>', value)
        try:
            url = reverse("sims:sim_detail", kwargs={"sid": sim.sid})
        except NoReverseMatch:
            return str(sim)
        return format_html('<a href="{}">{}</a>', url, sim)
