from django.db import models
from django.urls import reverse

from apps.core.models import SyncedResource
from apps.networks.models import NetworkAccessProfile

from .choices import DataMetering, HttpMethod


class Fleet(SyncedResource):
    """A Fleet (``HF...``): shared settings for its SIMs (data limit in MB, SMS/IP command callbacks, NAP)."""

    unique_name = models.CharField(max_length=255, blank=True, db_index=True)
    account_sid = models.CharField(max_length=34, blank=True)
    data_enabled = models.BooleanField(null=True, blank=True)
    data_limit = models.PositiveIntegerField(null=True, blank=True, help_text="Megabytes per SIM per period")
    data_metering = models.CharField(max_length=16, choices=DataMetering.choices, blank=True)
    sms_commands_enabled = models.BooleanField(null=True, blank=True)
    sms_commands_url = models.URLField(max_length=2048, blank=True)
    sms_commands_method = models.CharField(max_length=4, choices=HttpMethod.choices, blank=True)
    ip_commands_url = models.URLField(max_length=2048, blank=True)
    ip_commands_method = models.CharField(max_length=4, choices=HttpMethod.choices, blank=True)
    network_access_profile = models.ForeignKey(
        NetworkAccessProfile,
        to_field="sid",
        db_column="network_access_profile_sid",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="fleets",
    )
    date_created = models.DateTimeField(null=True, blank=True, db_index=True)
    date_updated = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["unique_name", "id"]

    def __str__(self) -> str:
        return self.unique_name or self.sid

    def get_absolute_url(self) -> str:
        return reverse("fleets:fleet_detail", kwargs={"sid": self.sid})
