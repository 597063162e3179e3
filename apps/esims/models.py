from django.db import models
from django.urls import reverse

from apps.core.choices import BadgeMixin
from apps.core.models import SyncedResource
from apps.sims.models import sim_fk

from .choices import EsimProfileStatus


class EsimProfile(BadgeMixin, SyncedResource):
    """An eSIM profile (``HP...``) reserved for a device's EID; ``activation_code`` feeds the QR code."""

    account_sid = models.CharField(max_length=34, blank=True)
    iccid = models.CharField(max_length=22, blank=True, db_index=True)
    sim = sim_fk("esim_profiles")
    status = models.CharField(max_length=16, choices=EsimProfileStatus.choices, blank=True, db_index=True)
    eid = models.CharField(max_length=32, blank=True, db_index=True)
    smdp_plus_address = models.CharField(max_length=2048, blank=True)
    matching_id = models.CharField(max_length=255, blank=True)
    activation_code = models.CharField(max_length=2048, blank=True)
    error_code = models.CharField(max_length=64, blank=True)
    error_message = models.TextField(blank=True)
    date_created = models.DateTimeField(null=True, blank=True, db_index=True)
    date_updated = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-date_created", "-id"]
        indexes = [models.Index(fields=["status", "id"], name="esims_profile_status_id")]

    def __str__(self) -> str:
        return self.iccid or self.sid

    @property
    def sim_sid(self) -> str | None:
        return self.sim_id

    def get_absolute_url(self) -> str:
        return reverse("esims:esimprofile_detail", kwargs={"sid": self.sid})
