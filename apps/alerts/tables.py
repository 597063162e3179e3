import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.timezone import localtime

from apps.accounts.permissions import PERM_ADMIN, PERM_OPERATE
from apps.core.tables import BaseTable, DateTimeColumn

from .models import Alert, AlertRule, Channel


def _when(value) -> str:
    """``Y-m-d H:i`` in the current time zone (strftime: the ``date`` filter costs ~10x more per cell)."""
    return localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"


class AlertTable(BaseTable):
    opened_at = tables.Column(verbose_name="Opened")
    rule = tables.Column(verbose_name="Rule", order_by=("rule__name",))
    subject_label = tables.Column(verbose_name="Subject", empty_values=())
    message = tables.Column(orderable=False)
    state = tables.Column()
    acknowledged_at = tables.Column(verbose_name="Acknowledged")
    resolved_at = tables.Column(verbose_name="Resolved")
    actions = tables.Column(empty_values=(), orderable=False, verbose_name="")

    class Meta:
        model = Alert
        fields = ()
        sequence = (
            "opened_at",
            "rule",
            "subject_label",
            "message",
            "state",
            "acknowledged_at",
            "resolved_at",
            "actions",
        )
        attrs = {"class": "table table-sm table-hover align-middle", "id": "alert-table"}
        row_attrs = {"data-alert": lambda record: record.pk, "data-state": lambda record: record.state}
        order_by = ("-opened_at",)
        empty_text = "No alerts."

    def before_render(self, request):
        self.can_operate = request.user.has_perm(PERM_OPERATE)
        # URL patterns resolved once per page, not three times per row
        self.urls = {
            "ack": reverse("alerts:alert_acknowledge", kwargs={"pk": 0}).replace("/0/", "/{}/"),
            "snooze": reverse("alerts:alert_snooze", kwargs={"pk": 0}).replace("/0/", "/{}/"),
            "sim": reverse("sims:sim_detail", kwargs={"sid": "SID"}).replace("/SID/", "/{}/"),
        }

    def render_opened_at(self, value):
        return _when(value)

    def render_resolved_at(self, value):
        return _when(value)

    def render_rule(self, value, record):
        return record.rule.name

    def render_subject_label(self, value, record):
        urls = getattr(self, "urls", None)
        url = (
            urls["sim"].format(record.subject_id)
            if urls and record.subject_type == "sim"
            else record.subject_url()
        )
        label = value or record.subject_id
        kind = record.get_subject_type_display()
        if url:
            return format_html(
                '<span class="text-secondary small">{}</span> <a href="{}">{}</a>', kind, url, label
            )
        return format_html('<span class="text-secondary small">{}</span> {}', kind, label)

    def render_state(self, value, record):
        snoozed = ""
        if record.snoozed_until and record.is_active and record.is_snoozed():
            snoozed = mark_safe(' <span class="badge text-bg-secondary">snoozed</span>')  # noqa: S308
        return format_html('<span class="badge {}">{}</span>{}', record.state_badge_class, value, snoozed)

    def render_acknowledged_at(self, value, record):
        who = record.acknowledged_by.get_username() if record.acknowledged_by else ""
        return format_html('{} <span class="text-secondary">{}</span>', _when(value), who)

    def render_actions(self, record):
        if not getattr(self, "can_operate", False) or not record.is_active:
            return ""
        ack, snooze = self.urls["ack"].format(record.pk), self.urls["snooze"].format(record.pk)
        buttons = []
        if record.state == Alert.State.OPEN:
            buttons.append(
                format_html(
                    '<button type="button" class="btn btn-outline-primary btn-sm" hx-post="{}" '
                    "data-alert-ack>Acknowledge</button>",
                    ack,
                )
            )
        buttons.append(
            format_html(
                '<button type="button" class="btn btn-outline-secondary btn-sm" hx-post="{}" '
                "hx-vals='{{\"minutes\": 60}}' data-alert-snooze>Snooze 1 h</button>",
                snooze,
            )
        )
        return format_html('<div class="d-flex gap-1">{}</div>', mark_safe("".join(buttons)))  # noqa: S308


class AlertRuleTable(BaseTable):
    name = tables.Column()
    condition = tables.Column()
    scope = tables.Column(empty_values=(), orderable=False)
    threshold = tables.Column(verbose_name="Threshold")
    enabled = tables.BooleanColumn()
    active_alerts = tables.Column(verbose_name="Active alerts", attrs={"td": {"class": "text-end"}})
    last_evaluated_at = DateTimeColumn(format="Y-m-d H:i", verbose_name="Last evaluated")

    class Meta:
        model = AlertRule
        fields = ()
        sequence = (
            "name",
            "condition",
            "scope",
            "threshold",
            "enabled",
            "active_alerts",
            "last_evaluated_at",
        )
        attrs = {"class": "table table-sm table-hover align-middle", "id": "rule-table"}
        order_by = ("name",)
        empty_text = "No alert rules yet."

    def before_render(self, request):
        self.can_admin = request.user.has_perm(PERM_ADMIN)

    def render_name(self, value, record):
        if getattr(self, "can_admin", False):  # the rule's page is the admins' edit form
            return format_html('<a href="{}">{}</a>', record.get_absolute_url(), value)
        return value

    def render_scope(self, record):
        return record.scope_label


class ChannelTable(BaseTable):
    name = tables.Column(linkify=True)
    kind = tables.Column()
    format = tables.Column()
    target = tables.Column(orderable=False, attrs={"td": {"class": "mono small text-break"}})
    enabled = tables.BooleanColumn()
    failing = tables.Column(verbose_name="Health")
    last_success_at = DateTimeColumn(format="Y-m-d H:i", verbose_name="Last sent")

    class Meta:
        model = Channel
        fields = ()
        sequence = ("name", "kind", "format", "target", "enabled", "failing", "last_success_at")
        attrs = {"class": "table table-sm table-hover align-middle", "id": "channel-table"}
        order_by = ("name",)
        empty_text = "No channels yet."

    def render_format(self, value, record):
        return value if record.kind == Channel.Kind.WEBHOOK else "—"

    def render_failing(self, value, record):
        if value:
            return format_html(
                '<span class="badge text-bg-danger" title="{}">failing</span>', record.last_error[:200]
            )
        return mark_safe('<span class="badge text-bg-success">ok</span>')  # noqa: S308 - a constant
