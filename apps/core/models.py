from django.conf import settings
from django.db import models


class SyncedResource(models.Model):
    """A local copy of one Super SIM API resource, filled by the sync engine.

    ``raw`` keeps the API's JSON as it was last seen; ``last_seen_run_id`` stamps the sync run that last
    saw the row (mark-and-sweep); ``content_hash`` lets a re-sync skip unchanged rows;
    ``removed_at`` is set when a complete, error-free pass no longer finds it.
    """

    sid = models.CharField(max_length=34, unique=True)
    raw = models.JSONField(default=dict, blank=True)
    content_hash = models.CharField(max_length=64, blank=True)  # hash of ``raw``: unchanged rows are skipped
    synced_at = models.DateTimeField(null=True, blank=True, db_index=True)
    removed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_seen_run_id = models.BigIntegerField(null=True, blank=True, db_index=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return getattr(self, "unique_name", None) or self.sid

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None


class Job(models.Model):
    """A background job over many items (bulk SIM changes, CSV onboarding, bulk commands).

    Items are processed in chunks of a few hundred per Celery task; each item is claimed with a lease so a
    redelivered chunk (worker killed, ``acks_late``) never processes an item twice at the same time, and
    handlers are idempotent so a retried item never changes anything twice.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        PARTIAL = "partial", "Finished with failures"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    FINAL = (Status.SUCCEEDED, Status.PARTIAL, Status.FAILED, Status.CANCELLED)

    kind = models.CharField(max_length=64, db_index=True)
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    params = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="jobs"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    succeeded = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.title} (#{self.pk})"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("core:job_detail", kwargs={"pk": self.pk})

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL

    @property
    def percent(self) -> int:
        return int(100 * self.processed / self.total) if self.total else 100

    badge_colors = {
        "succeeded": "success",
        "partial": "warning",
        "failed": "danger",
        "cancelled": "secondary",
    }

    @property
    def status_badge_class(self) -> str:
        return f"text-bg-{self.badge_colors.get(self.status, 'primary')}"


class JobItem(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="items")
    seq = models.PositiveIntegerField()
    key = models.CharField(max_length=200, db_index=True)
    payload = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_until = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["job", "seq"]
        constraints = [models.UniqueConstraint(fields=["job", "seq"], name="core_jobitem_job_seq")]
        indexes = [models.Index(fields=["job", "status", "seq"])]

    def __str__(self) -> str:
        return f"{self.key} ({self.status})"


def live_choices(model: type[models.Model]) -> models.QuerySet:
    """The rows of a named synced resource (Fleet, Network Access Profile) still present upstream, by name,
    as choices for a select: only id, sid and unique_name are loaded (never the raw JSON of every row)."""
    return (
        model._default_manager.filter(removed_at__isnull=True)
        .order_by("unique_name", "id")
        .only("id", "sid", "unique_name")
    )
