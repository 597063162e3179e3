from django.db import models
from django.urls import NoReverseMatch, reverse

from .choices import Granularity, UsageGroup


class UsageRecord(models.Model):
    """Data usage of one group member (account / SIM / fleet / network / country) over one period.

    No SID in the API: the natural key is (group, group_key, granularity, period_start), so re-syncing a
    window is idempotent. Byte counts are BigIntegers; ``data_total_billed`` is in ``billed_unit``.
    """

    group = models.CharField(max_length=16, choices=UsageGroup.choices)
    group_key = models.CharField(max_length=34)  # sim/fleet/network SID, ISO country or account SID
    granularity = models.CharField(max_length=8, choices=Granularity.choices)
    period_start = models.DateTimeField()
    period_end = models.DateTimeField(null=True, blank=True)
    account_sid = models.CharField(max_length=34, blank=True)
    data_upload = models.BigIntegerField(default=0)
    data_download = models.BigIntegerField(default=0)
    data_total = models.BigIntegerField(default=0)
    billed_unit = models.CharField(max_length=3, blank=True)
    data_total_billed = models.DecimalField(max_digits=20, decimal_places=6, null=True, blank=True)
    raw = models.JSONField(default=dict, blank=True)
    content_hash = models.CharField(max_length=64, blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)
    last_seen_run_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["group", "group_key", "granularity", "period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "group_key", "granularity", "period_start"],
                name="usage_record_unique_period",
            )
        ]
        indexes = [
            models.Index(fields=["group", "granularity", "period_start"], name="usage_group_gran_start"),
        ]

    def __str__(self) -> str:
        return f"{self.group}:{self.group_key} {self.granularity} {self.period_start:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        """The page of the thing this usage belongs to (SIM / fleet / network), if any."""
        names = {
            UsageGroup.SIM: "sims:sim_detail",
            UsageGroup.FLEET: "fleets:fleet_detail",
            UsageGroup.NETWORK: "networks:network_detail",
        }
        name = names.get(self.group)
        if not name:
            return ""
        try:
            return reverse(name, kwargs={"sid": self.group_key})
        except NoReverseMatch:
            return ""


class UsageRollup(models.Model):
    """A summary of UsageRecords every chart and page reads (never the raw records at request time).

    ``period`` ``hour`` / ``day``: one row per raw hourly / daily record (a narrow copy: no JSON, no hash);
    ``month``: the sum of a group member's daily rows in one calendar month (UTC), ``records`` of them.
    Maintained by :func:`apps.usage.services.usage_rollups_rebuild` for exactly the window a sync wrote.
    """

    group = models.CharField(max_length=16, choices=UsageGroup.choices)
    group_key = models.CharField(max_length=34)
    period = models.CharField(max_length=8)  # hour / day / month
    period_start = models.DateTimeField()
    records = models.IntegerField(default=1)
    data_upload = models.BigIntegerField(default=0)
    data_download = models.BigIntegerField(default=0)
    data_total = models.BigIntegerField(default=0)
    data_total_billed = models.DecimalField(max_digits=20, decimal_places=6, default=0)
    billed_unit = models.CharField(max_length=3, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["group", "group_key", "period", "period_start"], name="usage_rollup_unique_period"
            )
        ]
        indexes = [
            # top-N of one period (the month's top SIMs: an index scan, no aggregate)
            models.Index(
                "group",
                "period",
                "period_start",
                models.F("data_total").desc(),
                "group_key",
                name="usage_rollup_top",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group}:{self.group_key} {self.period} {self.period_start:%Y-%m-%d %H:%M}"
