from django.db import models
from django.urls import reverse

from apps.core.models import SyncedResource


class Network(SyncedResource):
    """A cellular network (``HW...``) Super SIMs can attach to; read-only catalogue from the API."""

    friendly_name = models.CharField(max_length=255, blank=True, db_index=True)
    iso_country = models.CharField(max_length=2, blank=True, db_index=True)
    identifiers = models.JSONField(default=list, blank=True)  # [{"mcc": "310", "mnc": "410"}, ...]
    mcc_mnc = models.CharField(max_length=1024, blank=True, db_index=True)  # "310410 310150" for search

    class Meta:
        ordering = ["friendly_name", "id"]
        indexes = [models.Index(fields=["iso_country", "friendly_name"], name="networks_net_country_name")]

    def __str__(self) -> str:
        return self.friendly_name or self.sid

    def get_absolute_url(self) -> str:
        return reverse("networks:network_detail", kwargs={"sid": self.sid})


class NetworkAccessProfile(SyncedResource):
    """A NAP (``HA...``): the set of networks the SIMs of a fleet may use."""

    unique_name = models.CharField(max_length=255, blank=True, db_index=True)
    account_sid = models.CharField(max_length=34, blank=True)
    date_created = models.DateTimeField(null=True, blank=True, db_index=True)
    date_updated = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["unique_name", "id"]

    def __str__(self) -> str:
        return self.unique_name or self.sid

    def get_absolute_url(self) -> str:
        return reverse("networks:nap_detail", kwargs={"sid": self.sid})

    @property
    def networks(self):
        """The networks currently in this NAP (memberships not marked removed)."""
        return Network.objects.filter(
            sid__in=self.memberships.filter(removed_at__isnull=True).values("network_id")
        )


class NetworkAccessProfileNetwork(SyncedResource):
    """Membership of a network in a NAP. The API's ``sid`` here is the network's SID (``HW...``), so it is
    not unique on its own: the natural key is (nap, network)."""

    sid = models.CharField(max_length=34, db_index=True)
    nap = models.ForeignKey(
        NetworkAccessProfile,
        to_field="sid",
        db_column="network_access_profile_sid",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="memberships",
    )
    network = models.ForeignKey(
        Network,
        to_field="sid",
        db_column="network_sid",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="nap_memberships",
    )
    friendly_name = models.CharField(max_length=255, blank=True)
    iso_country = models.CharField(max_length=2, blank=True)
    identifiers = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["nap_id", "friendly_name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["nap", "network"], name="networks_napnet_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.nap_id} / {self.friendly_name or self.network_id}"

    def get_absolute_url(self) -> str:
        return reverse("networks:nap_detail", kwargs={"sid": self.nap_id})
