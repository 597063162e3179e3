from django.db import models


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


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
