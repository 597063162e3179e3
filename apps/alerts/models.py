"""Alerting: rules over the local data, the alerts they open, and the channels that carry them.

* :class:`Channel`: where notifications go (email addresses, an outgoing webhook, or the dashboard only); a
  webhook's ``secret`` signs each body (HMAC-SHA256) and is never shown again after saving; a channel whose
  deliveries keep failing is marked ``failing`` (alerts are recorded all the same).
* :class:`AlertRule`: a scope (account, fleet, SIM; a tag once tags exist), a condition with its
  parameters, channels, a cool-down and whether a resolve is notified.
* :class:`Alert`: one per (rule, subject) while the condition holds (a partial unique index); it resolves by
  itself when the condition clears.
* :class:`Delivery` / :class:`DeliveryAttempt`: one notification to one channel (an alert, a resolve, or a
  digest of many alerts) and every attempt to send it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone


class Scope(models.TextChoices):
    ACCOUNT = "account", "Account (every SIM)"
    FLEET = "fleet", "Fleet"
    SIM = "sim", "SIM"
    TAG = "tag", "Tag"  # a hook for tags: refused by the form until tags exist


class Condition(models.TextChoices):
    USAGE_PERCENT = "usage_percent", "Data used this billing period >= X % of the fleet's data limit"
    USAGE_MB = "usage_mb", "Data used >= N MB in a day / in the billing period"
    OFFLINE = "offline", "SIM offline for more than N hours"
    NEVER_CONNECTED = "never_connected", "SIM never connected N hours after activation"
    ATTACH_REJECTED = "attach_rejected", "Attachment rejected N times in M minutes"
    IMEI_CHANGED = "imei_changed", "IMEI changed (in the last M minutes)"
    STATUS_CHANGED = "status_changed", "SIM status changed (in the last M minutes)"
    SYNC_FAILING = "sync_failing", "Sync of a resource failing"
    SYNC_OVERDUE = "sync_overdue", "Sync of a resource overdue for more than N minutes"
    JOB_FAILED = "job_failed", "Job finished with failures (in the last M minutes)"


#: conditions about SIMs (scoped to the account, a fleet or a SIM); the others are about the system
SIM_CONDITIONS = {
    Condition.USAGE_PERCENT,
    Condition.USAGE_MB,
    Condition.OFFLINE,
    Condition.NEVER_CONNECTED,
    Condition.ATTACH_REJECTED,
    Condition.IMEI_CHANGED,
    Condition.STATUS_CHANGED,
}


class UsageWindow(models.TextChoices):
    DAY = "day", "Today (UTC)"
    PERIOD = "period", "The current billing period"


class Channel(models.Model):
    class Kind(models.TextChoices):
        EMAIL = "email", "Email"
        WEBHOOK = "webhook", "Webhook"
        IN_APP = "in_app", "In the dashboard only"

    class Format(models.TextChoices):
        JSON = "json", "Generic JSON"
        SLACK = "slack", "Slack (incoming webhook)"
        TEAMS = "teams", "Microsoft Teams (incoming webhook)"

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    #: email: addresses, comma separated; webhook: the URL
    target = models.CharField(max_length=2048, blank=True)
    format = models.CharField(max_length=8, choices=Format.choices, default=Format.JSON)
    #: signs webhook bodies; write-only in the UI (never rendered after saving)
    secret = models.CharField(max_length=200, blank=True)
    #: more than this many alerts opening at once for this channel: one digest message instead
    digest_threshold = models.PositiveIntegerField(default=10)
    enabled = models.BooleanField(default=True)
    failing = models.BooleanField(default=False)
    consecutive_failures = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("alerts:channel_detail", kwargs={"pk": self.pk})

    @property
    def recipients(self) -> list[str]:
        return [a.strip() for a in self.target.split(",") if a.strip()]


class AlertRule(models.Model):
    name = models.CharField(max_length=100, unique=True)
    enabled = models.BooleanField(default=True)
    scope = models.CharField(max_length=8, choices=Scope.choices, default=Scope.ACCOUNT)
    fleet = models.ForeignKey(
        "fleets.Fleet",
        to_field="sid",
        db_column="fleet_sid",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    sim = models.ForeignKey(
        "sims.Sim",
        to_field="sid",
        db_column="sim_sid",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    tag = models.CharField(max_length=100, blank=True)  # the tag scope, once tags exist
    condition = models.CharField(max_length=20, choices=Condition.choices)
    #: X % / N MB / N hours / N times / N minutes, by condition (see apps.alerts.conditions)
    threshold = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    #: M minutes: the window of the event conditions
    window_minutes = models.PositiveIntegerField(null=True, blank=True)
    usage_window = models.CharField(max_length=8, choices=UsageWindow.choices, blank=True)
    #: status changed: only to this status (empty: any change)
    status_to = models.CharField(max_length=16, blank=True)
    #: sync conditions: one resource (empty: every resource)
    sync_resource = models.CharField(max_length=32, blank=True)
    channels = models.ManyToManyField(Channel, blank=True, related_name="rules")
    cooldown_minutes = models.PositiveIntegerField(
        default=60, help_text="An alert that resolved comes back silently if the condition returns this soon"
    )
    notify_on_resolve = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    last_evaluated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("alerts:rule_edit", kwargs={"pk": self.pk})

    @property
    def scope_label(self) -> str:
        if self.scope == Scope.FLEET:
            return f"Fleet {self.fleet_id}"
        if self.scope == Scope.SIM:
            return f"SIM {self.sim_id}"
        if self.scope == Scope.TAG:
            return f"Tag {self.tag}"
        if self.condition in SIM_CONDITIONS:
            return "Account"
        return "System"


class AlertQuerySet(models.QuerySet):
    def active(self):
        return self.filter(state__in=Alert.ACTIVE)

    def unread(self, now=None):
        """Open (not acknowledged) and not snoozed: what the bell counts."""
        now = now or timezone.now()
        return self.filter(state=Alert.State.OPEN).filter(
            Q(snoozed_until__isnull=True) | Q(snoozed_until__lte=now)
        )


class Alert(models.Model):
    class State(models.TextChoices):
        OPEN = "open", "Open"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        RESOLVED = "resolved", "Resolved"

    class SubjectType(models.TextChoices):
        SIM = "sim", "SIM"
        FLEET = "fleet", "Fleet"
        SYNC = "sync", "Sync resource"
        JOB = "job", "Job"

    ACTIVE = (State.OPEN, State.ACKNOWLEDGED)

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="alerts")
    subject_type = models.CharField(max_length=8, choices=SubjectType.choices)
    subject_id = models.CharField(max_length=64)  # SIM / fleet SID, sync resource name, job id
    subject_label = models.CharField(max_length=255, blank=True)
    fleet_sid = models.CharField(max_length=34, blank=True)  # the SIM's fleet when opened (filters)
    state = models.CharField(max_length=12, choices=State.choices, default=State.OPEN)
    opened_at = models.DateTimeField(default=timezone.now)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    snoozed_until = models.DateTimeField(null=True, blank=True)
    #: times it came back within the rule's cool-down after resolving (silently)
    reopened = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=500, blank=True)
    value = models.FloatField(null=True, blank=True)  # the measured figure (percent, MB, hours, count)
    values = models.JSONField(default=dict, blank=True)

    objects = AlertQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "subject_type", "subject_id"],
                condition=Q(state__in=["open", "acknowledged"]),
                name="alerts_one_active_per_subject",
            )
        ]
        indexes = [
            models.Index(fields=["state", "-opened_at"], name="alerts_state_opened"),
            models.Index(fields=["rule", "state"], name="alerts_rule_state"),
            models.Index(fields=["subject_type", "subject_id"], name="alerts_subject"),
            models.Index(fields=["-opened_at", "-id"], name="alerts_opened_id"),
            # the alerts page's default (open or acknowledged, newest first): a small index of the active ones
            models.Index(
                fields=["-opened_at", "-id"],
                name="alerts_active_opened",
                condition=Q(state__in=["open", "acknowledged"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule.name}: {self.subject_label or self.subject_id}"

    def get_absolute_url(self) -> str:
        return reverse("alerts:alert_list") + f"?id={self.pk}"

    @property
    def is_active(self) -> bool:
        return self.state in self.ACTIVE

    def is_snoozed(self, now=None) -> bool:
        return self.snoozed_until is not None and self.snoozed_until > (now or timezone.now())

    def subject_url(self) -> str:
        names = {"sim": "sims:sim_detail", "fleet": "fleets:fleet_detail"}
        if self.subject_type in names:
            return reverse(names[self.subject_type], kwargs={"sid": self.subject_id})
        if self.subject_type == "job" and self.subject_id.isdigit():
            return reverse("core:job_detail", kwargs={"pk": int(self.subject_id)})
        if self.subject_type == "sync":
            return reverse("sync:syncrun_list") + f"?resource={self.subject_id}"
        return ""

    badge_colors = {"open": "danger", "acknowledged": "warning", "resolved": "success"}

    @property
    def state_badge_class(self) -> str:
        return f"text-bg-{self.badge_colors.get(self.state, 'secondary')}"


class Delivery(models.Model):
    """One notification to one channel: an alert opened, an alert resolved, or a digest of many."""

    class Kind(models.TextChoices):
        OPENED = "opened", "Alert opened"
        RESOLVED = "resolved", "Alert resolved"
        DIGEST = "digest", "Digest"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="deliveries")
    rule = models.ForeignKey(AlertRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    alert = models.ForeignKey(Alert, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    alert_ids = models.JSONField(default=list, blank=True)  # a digest's alerts
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.channel} ({self.status})"


class DeliveryAttempt(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField(default=timezone.now)
    success = models.BooleanField(default=False)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"Attempt {'ok' if self.success else 'failed'} at {self.at:%Y-%m-%d %H:%M:%S}"
