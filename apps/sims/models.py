from django.db import models
from django.urls import reverse

from apps.core.choices import BadgeMixin
from apps.core.models import SyncedResource
from apps.fleets.models import Fleet

from .choices import BillingPeriodType, IpAddressVersion, SettingsUpdateStatus, SimStatus


def sim_fk(related_name: str, **extra) -> models.ForeignKey:
    """A reference to a SIM by SID (no lookup on upsert, no failure if the SIM is not synced yet)."""
    return models.ForeignKey(
        "sims.Sim",
        to_field="sid",
        db_column="sim_sid",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name=related_name,
        **extra,
    )


class Sim(BadgeMixin, SyncedResource):
    """A Super SIM (``HS...``).

    The biggest table (1M rows): every index costs on each sync write, so only the indexes the list views
    use exist. The list's default order (newest first) under a ``status`` or ``fleet`` filter is an index
    range of (x, -date_created, -id): the first page reads 50 index entries, not every match;
    ``last_seen_run_id``/``synced_at`` are not indexed (the sweep's ``!=`` cannot use an index, and an
    unindexed stamp column lets PostgreSQL update unchanged rows in place: HOT updates).
    """

    synced_at = models.DateTimeField(null=True, blank=True)
    last_seen_run_id = models.BigIntegerField(null=True, blank=True)
    # indexed only where set (``sims_sim_removed``): a live row, i.e. every row a sync inserts, costs nothing
    removed_at = models.DateTimeField(null=True, blank=True)

    unique_name = models.CharField(max_length=255, blank=True, db_index=True)
    account_sid = models.CharField(max_length=34, blank=True)
    # db_index on a CharField also gets a varchar_pattern_ops ``_like`` index on PostgreSQL (prefix search)
    iccid = models.CharField(max_length=22, blank=True, db_index=True)
    status = models.CharField(max_length=16, choices=SimStatus.choices, blank=True)
    fleet = models.ForeignKey(
        Fleet,
        to_field="sid",
        db_column="fleet_sid",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="sims",
    )
    date_created = models.DateTimeField(null=True, blank=True)
    date_updated = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-date_created", "-id"]
        indexes = [
            models.Index(fields=["status", "-date_created", "-id"], name="sims_sim_status_created"),
            models.Index(
                fields=["removed_at"], name="sims_sim_removed", condition=models.Q(removed_at__isnull=False)
            ),
            models.Index(fields=["fleet", "-date_created", "-id"], name="sims_sim_fleet_created"),
            models.Index(fields=["-date_created", "-id"], name="sims_sim_created_id"),
        ]

    def __str__(self) -> str:
        return self.unique_name or self.iccid or self.sid

    def get_absolute_url(self) -> str:
        return reverse("sims:sim_detail", kwargs={"sid": self.sid})


class BillingPeriod(SyncedResource):
    """A billing period (``HB...``) of one SIM."""

    sim = sim_fk("billing_periods")
    account_sid = models.CharField(max_length=34, blank=True)
    start_time = models.DateTimeField(null=True, blank=True)
    end_time = models.DateTimeField(null=True, blank=True)
    period_type = models.CharField(max_length=16, choices=BillingPeriodType.choices, blank=True)
    date_created = models.DateTimeField(null=True, blank=True)
    date_updated = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-start_time", "-id"]
        indexes = [models.Index(fields=["sim", "-start_time"], name="sims_bp_sim_start")]

    def __str__(self) -> str:
        return f"{self.sim_id} {self.period_type} {self.start_time:%Y-%m-%d}" if self.start_time else self.sid

    def get_absolute_url(self) -> str:
        return reverse("sims:sim_detail", kwargs={"sid": self.sim_id})


class SimIpAddress(models.Model):
    """An IP address currently assigned to a SIM (no SID in the API: natural key (sim, ip_address))."""

    sim = sim_fk("ip_addresses")
    ip_address = models.CharField(max_length=45)
    ip_address_version = models.CharField(max_length=4, choices=IpAddressVersion.choices, blank=True)
    raw = models.JSONField(default=dict, blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["sim_id", "ip_address"]
        constraints = [models.UniqueConstraint(fields=["sim", "ip_address"], name="sims_ip_unique")]

    def __str__(self) -> str:
        return self.ip_address

    def get_absolute_url(self) -> str:
        return reverse("sims:sim_detail", kwargs={"sid": self.sim_id})


class SettingsUpdate(BadgeMixin, SyncedResource):
    """A settings update (``OB...``) pushed to a SIM."""

    iccid = models.CharField(max_length=22, blank=True, db_index=True)
    sim = sim_fk("settings_updates")
    status = models.CharField(max_length=16, choices=SettingsUpdateStatus.choices, blank=True, db_index=True)
    packages = models.JSONField(default=list, blank=True)  # [{"name": ..., "version": ...}, ...]
    date_completed = models.DateTimeField(null=True, blank=True)
    date_created = models.DateTimeField(null=True, blank=True, db_index=True)
    date_updated = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-date_created", "-id"]

    def __str__(self) -> str:
        return self.sid

    def get_absolute_url(self) -> str:
        return reverse("sims:sim_detail", kwargs={"sid": self.sim_id})


class SimCount(models.Model):
    """Live SIMs (not removed upstream) per fleet and status, kept by ``apps.sims.services``
    (:func:`~apps.sims.services.sim_counts_refresh`: every sync run that changed SIMs, every SIM written by
    the UI, saves outside the services): what the home page, the fleets pages and the SIM list's totals read
    instead of a COUNT over the SIM table. ``fleet_sid`` is "" for SIMs in no fleet."""

    fleet_sid = models.CharField(max_length=34, blank=True)
    status = models.CharField(max_length=16)
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["fleet_sid", "status"], name="sim_count_fleet_status")]

    def __str__(self) -> str:
        return f"{self.fleet_sid or '-'} {self.status}: {self.count}"
