from django.conf import settings
from django.db import models


class AuditEventQuerySet(models.QuerySet):
    def summaries(self):
        """Without the before/after/API-response JSON: lists show none of it, and a page of 50 entries
        would otherwise read and decode 150 JSON documents (a SIM's, each) to throw them away."""
        return self.defer("before", "after", "api_response", "requested")


class AuditEvent(models.Model):
    """One thing that happened: who, when, what, to which object, before/after and the API's answer.

    A refused or failed action (``success=False``) keeps what was asked (``requested``) and the error
    (``api_response``, ``message``), never a before/after: nothing changed.
    """

    class Source(models.TextChoices):
        UI = "ui", "Dashboard"
        SYNC = "sync", "Sync"
        WEBHOOK = "webhook", "Webhook"
        SYSTEM = "system", "System"
        API = "api", "REST API"

    timestamp = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    username = models.CharField(max_length=150, blank=True, db_index=True)
    action = models.CharField(max_length=64, db_index=True)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.UI)
    success = models.BooleanField(default=True)
    object_type = models.CharField(max_length=64, blank=True, db_index=True)
    object_id = models.CharField(max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(max_length=200, blank=True)
    object_url = models.CharField(max_length=300, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    api_response = models.JSONField(null=True, blank=True)
    #: what a refused or failed action asked for (its before/after stay empty: nothing changed)
    requested = models.JSONField(null=True, blank=True)
    message = models.TextField(blank=True)
    request_id = models.CharField(max_length=64, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    path = models.CharField(max_length=300, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-timestamp", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "-timestamp"])]

    def __str__(self) -> str:
        return f"{self.timestamp:%Y-%m-%d %H:%M:%S} {self.username or '-'} {self.action} {self.object_repr}"
