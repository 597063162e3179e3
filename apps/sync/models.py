from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse


class SyncRun(models.Model):
    """One sync of one resource (NetBox ``Job``): created BEFORE its task is queued, then filled in by it."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        PARTIAL = "partial", "Partial"
        SKIPPED = "skipped", "Skipped"

    class Source(models.TextChoices):
        BEAT = "beat", "Schedule"
        UI = "ui", "Dashboard"
        CLI = "cli", "Command line"
        TASK = "task", "Task"

    ACTIVE = (Status.QUEUED, Status.RUNNING)
    FINAL = (Status.SUCCEEDED, Status.FAILED, Status.PARTIAL, Status.SKIPPED)

    resource = models.CharField(max_length=32, db_index=True)
    scope = models.CharField(max_length=64, blank=True, help_text="e.g. the SIM SID of a SIM-details run")
    batch = models.CharField(max_length=32, blank=True, db_index=True, help_text="runs started together")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.UI)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    task_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    lock_token = models.CharField(max_length=64, blank=True)

    pages = models.PositiveIntegerField(default=0)
    items = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    removed = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    retryable = models.BooleanField(default=False, help_text="failed on a rate limit or an outage")
    complete = models.BooleanField(default=False, help_text="every page was fetched and written")
    swept = models.BooleanField(default=False, help_text="rows missing upstream were marked removed")
    window_start = models.DateTimeField(null=True, blank=True, help_text="usage: first hour/day synced")
    window_end = models.DateTimeField(null=True, blank=True, help_text="usage: synced up to")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["resource", "status", "-created_at"], name="sync_run_res_status")]

    badge_colors = {
        Status.QUEUED: "secondary",
        Status.RUNNING: "info",
        Status.SUCCEEDED: "success",
        Status.FAILED: "danger",
        Status.PARTIAL: "warning",
        Status.SKIPPED: "light",
    }

    def __str__(self) -> str:
        from .registry import resource_label

        scope = f" {self.scope}" if self.scope else ""
        return f"Sync #{self.pk} {resource_label(self.resource)}{scope} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("sync:syncrun_detail", kwargs={"pk": self.pk})

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL

    @property
    def duration(self):
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None

    @property
    def status_badge_class(self) -> str:
        return f"text-bg-{self.badge_colors.get(self.status, 'secondary')}"


class SyncLock(models.Model):
    """The database lock used when no Redis is configured: a row per name, held until ``expires_at``."""

    name = models.CharField(max_length=64, primary_key=True)
    owner = models.CharField(max_length=64, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.owner or 'free'})"
