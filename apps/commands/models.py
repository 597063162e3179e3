from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.urls import reverse

from apps.core.choices import BadgeMixin
from apps.core.models import SyncedResource
from apps.sims.models import sim_fk

from .choices import Direction, IpCommandStatus, PayloadType, SmsCommandStatus


class PayloadMixin:
    @property
    def payload_preview(self) -> str:
        """The payload in one line: text when printable, else hex (see ``services.payload_preview``)."""
        from .services import payload_preview

        return payload_preview(self)

    @property
    def sim_label(self) -> str:
        """The SIM as people know it: ``"name · ICCID"`` (the SID only when the SIM is not synced). Load
        the command with ``select_related("sim")``."""
        from .selectors import sim_label

        try:
            sim = self.sim if self.sim_id else None
        except ObjectDoesNotExist:  # a SIM not synced yet (the reference has no constraint)
            sim = None
        if sim is not None:
            return sim_label(unique_name=sim.unique_name, iccid=sim.iccid, sid=sim.sid)
        return sim_label(iccid=getattr(self, "sim_iccid", ""), sid=self.sim_id or "")


class SmsCommand(PayloadMixin, BadgeMixin, SyncedResource):
    """An SMS command (``HC...``) sent to or received from a SIM; history is kept (never swept)."""

    account_sid = models.CharField(max_length=34, blank=True)
    sim = sim_fk("sms_commands")
    payload = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=SmsCommandStatus.choices, blank=True, db_index=True)
    direction = models.CharField(max_length=8, choices=Direction.choices, blank=True, db_index=True)
    date_created = models.DateTimeField(null=True, blank=True, db_index=True)
    date_updated = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-date_created", "-id"]
        indexes = [
            models.Index(fields=["sim", "-date_created"], name="commands_sms_sim_created"),
            models.Index(fields=["status", "id"], name="commands_sms_status_id"),
        ]

    def __str__(self) -> str:
        return self.sid

    def get_absolute_url(self) -> str:
        return reverse("commands:smscommand_detail", kwargs={"sid": self.sid})


class IpCommand(PayloadMixin, BadgeMixin, SyncedResource):
    """An IP command (``HG...``) sent to or received from a SIM over UDP; history is kept (never swept)."""

    account_sid = models.CharField(max_length=34, blank=True)
    sim = sim_fk("ip_commands")
    sim_iccid = models.CharField(max_length=22, blank=True, db_index=True)
    status = models.CharField(max_length=16, choices=IpCommandStatus.choices, blank=True, db_index=True)
    direction = models.CharField(max_length=8, choices=Direction.choices, blank=True, db_index=True)
    device_ip = models.CharField(max_length=45, blank=True)
    device_port = models.PositiveIntegerField(null=True, blank=True)
    payload_type = models.CharField(max_length=8, choices=PayloadType.choices, blank=True)
    payload = models.TextField(blank=True)
    date_created = models.DateTimeField(null=True, blank=True, db_index=True)
    date_updated = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-date_created", "-id"]
        indexes = [
            models.Index(fields=["sim", "-date_created"], name="commands_ip_sim_created"),
            models.Index(fields=["status", "id"], name="commands_ip_status_id"),
        ]

    def __str__(self) -> str:
        return self.sid

    def get_absolute_url(self) -> str:
        return reverse("commands:ipcommand_detail", kwargs={"sid": self.sid})


class WebhookReceipt(models.Model):
    """One accepted (signature-checked) webhook delivery; a replay finds its row and changes nothing.

    Deduplicated on ``params_hash`` (the endpoint + the signed parameters, sorted) and, when the provider
    sends one, on KORE's ``kore-idempotency-token``. The work is done by a task (``processed_at``).
    """

    endpoint = models.CharField(max_length=32, db_index=True)
    params_hash = models.CharField(max_length=64, unique=True)
    idempotency_token = models.CharField(max_length=128, blank=True, db_index=True)
    params = models.JSONField(default=dict, blank=True)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    result = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.endpoint} #{self.pk}"
