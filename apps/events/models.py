"""Super SIM Connection Events (CloudEvents 1.0 from KORE Event Streams or Twilio's former Event Streams).

* :class:`EventBatch`: one delivery to the ingest endpoint, kept as received (the durable write the 2xx
  answer promises); processed later on the ``events`` Celery queue.
* :class:`ConnectionEvent`: one event, stored once (unique ``event_sid``, and unique CloudEvent ``id`` when
  there is one), built for time: "one SIM, newest first" (``sim_sid, -timestamp``) and "all, in a time
  window" (``timestamp``) are index scans; pruned after ``CONNECTION_EVENTS_RETENTION_DAYS``.
* :class:`DeadLetter`: a member of a batch that could not be read as a connection event, kept aside as sent.
* :class:`SimConnectionState`: what the events say about each SIM now, keyed by SIM sid, local only (no sync
  ever writes it), updated incrementally from each new event (see ``apps.events.state``).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class EventType(models.TextChoices):
    ATTACHMENT_ACCEPTED = "attachment.accepted", "Attachment accepted"
    ATTACHMENT_REJECTED = "attachment.rejected", "Attachment rejected"
    ATTACHMENT_FAILED = "attachment.failed", "Attachment failed"
    SESSION_STARTED = "data-session.started", "Data session started"
    SESSION_UPDATED = "data-session.updated", "Data session updated"
    SESSION_ENDED = "data-session.ended", "Data session ended"


REJECTIONS = (EventType.ATTACHMENT_REJECTED, EventType.ATTACHMENT_FAILED)
SESSION_TYPES = (EventType.SESSION_STARTED, EventType.SESSION_UPDATED, EventType.SESSION_ENDED)


class EventBatch(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        PROCESSED = "processed", "Processed"

    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    mode = models.CharField(max_length=12)  # structured / batch / binary
    remote_addr = models.CharField(max_length=64, blank=True)
    body = models.TextField()  # as received: a CloudEvent or a JSON array of them (binary mode converted)
    size = models.PositiveIntegerField(default=0)  # bytes as received
    members = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    processed_at = models.DateTimeField(null=True, blank=True)
    stored = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    dead = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["status"], name="events_batch_queued", condition=Q(status="queued"))]

    def __str__(self) -> str:
        return f"Event batch #{self.pk}"


class ConnectionEvent(models.Model):
    event_sid = models.CharField(max_length=64, unique=True)
    ce_id = models.CharField(max_length=128, blank=True)
    ce_type = models.CharField(max_length=128)  # the type string as sent (KORE's or Twilio's)
    type = models.CharField(max_length=24, choices=EventType.choices)
    timestamp = models.DateTimeField()
    received_at = models.DateTimeField(default=timezone.now)
    batch_id = models.BigIntegerField(null=True, blank=True)
    sim_sid = models.CharField(max_length=34)
    iccid = models.CharField(max_length=22, blank=True)
    sim_unique_name = models.CharField(max_length=255, blank=True)
    fleet_sid = models.CharField(max_length=34, blank=True)
    network_sid = models.CharField(max_length=34, blank=True)
    network_name = models.CharField(max_length=128, blank=True)
    iso_country = models.CharField(max_length=2, blank=True)
    mcc = models.CharField(max_length=3, blank=True)
    mnc = models.CharField(max_length=3, blank=True)
    rat_type = models.CharField(max_length=32, blank=True)
    imei = models.CharField(max_length=20, blank=True)
    imsi = models.CharField(max_length=20, blank=True)
    apn = models.CharField(max_length=100, blank=True)
    ip_address = models.CharField(max_length=45, blank=True)
    data_session_sid = models.CharField(max_length=34, blank=True)
    session_started_at = models.DateTimeField(null=True, blank=True)
    data_upload = models.BigIntegerField(null=True, blank=True)
    data_download = models.BigIntegerField(null=True, blank=True)
    data_total = models.BigIntegerField(null=True, blank=True)
    lac = models.CharField(max_length=16, blank=True)
    cell_id = models.CharField(max_length=32, blank=True)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    error_code = models.CharField(max_length=32, blank=True)
    error_message = models.CharField(max_length=255, blank=True)
    data = models.JSONField(default=dict)  # the whole CloudEvent as sent: unknown fields kept

    class Meta:
        indexes = [
            models.Index(F("sim_sid"), F("timestamp").desc(), name="events_sim_newest"),
            models.Index(fields=["timestamp"], name="events_time"),
            models.Index(fields=["type", "timestamp"], name="events_type_time"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["ce_id"], condition=~Q(ce_id=""), name="events_unique_ce_id")
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.sim_sid} {self.timestamp:%Y-%m-%d %H:%M:%S}"

    @property
    def is_rejection(self) -> bool:
        return self.type in REJECTIONS


class DeadLetter(models.Model):
    batch = models.ForeignKey(EventBatch, null=True, blank=True, on_delete=models.SET_NULL)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    position = models.PositiveIntegerField(default=0)  # index in the batch (0 for a single event)
    reason = models.CharField(max_length=255)
    member = models.TextField()  # the member as sent (JSON text)

    def __str__(self) -> str:
        return f"Dead letter #{self.pk}: {self.reason}"


def online_window() -> timedelta:
    return timedelta(minutes=settings.CONNECTION_EVENTS_ONLINE_MINUTES)


def session_stale() -> timedelta:
    return timedelta(hours=settings.CONNECTION_EVENTS_SESSION_STALE_HOURS)


class SimConnectionStateQuerySet(models.QuerySet):
    def online_q(self, now=None) -> Q:
        """Online: in a data session whose last event is younger than the stale limit, or attached (an
        accepted attachment or any session event, not followed by a rejection) within the online window."""
        now = now or timezone.now()
        in_session = Q(in_session=True, session_at__gte=now - session_stale())
        attached = Q(attached_at__gte=now - online_window()) & (
            Q(rejected_at__isnull=True) | Q(attached_at__gt=F("rejected_at"))
        )
        return in_session | attached

    def online(self, now=None):
        return self.filter(self.online_q(now))


class SimConnectionState(models.Model):
    sim_sid = models.CharField(max_length=34, primary_key=True)
    iccid = models.CharField(max_length=22, blank=True)
    first_seen_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)  # newest event of any kind
    attached_at = models.DateTimeField(null=True, blank=True)  # newest evidence of an attachment
    rejected_at = models.DateTimeField(null=True, blank=True)  # newest rejection / failure
    rejection_code = models.CharField(max_length=32, blank=True)
    rejection_message = models.CharField(max_length=255, blank=True)
    rejection_network = models.CharField(max_length=128, blank=True)
    in_session = models.BooleanField(default=False)
    session_at = models.DateTimeField(null=True, blank=True)  # newest data-session event applied
    session_sid = models.CharField(max_length=34, blank=True)
    network_at = models.DateTimeField(null=True, blank=True)
    network_sid = models.CharField(max_length=34, blank=True)
    network_name = models.CharField(max_length=128, blank=True)
    iso_country = models.CharField(max_length=2, blank=True)
    mcc = models.CharField(max_length=3, blank=True)
    mnc = models.CharField(max_length=3, blank=True)
    rat_type = models.CharField(max_length=32, blank=True)
    imei_at = models.DateTimeField(null=True, blank=True)
    imei = models.CharField(max_length=20, blank=True)
    imei_previous = models.CharField(max_length=20, blank=True)
    imei_changed = models.BooleanField(default=False)
    imei_changed_at = models.DateTimeField(null=True, blank=True)
    location_at = models.DateTimeField(null=True, blank=True)
    lac = models.CharField(max_length=16, blank=True)
    cell_id = models.CharField(max_length=32, blank=True)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    day = models.DateField(null=True, blank=True)  # the day the two counters below are of
    sessions_today = models.PositiveIntegerField(default=0)
    zero_byte_today = models.PositiveIntegerField(default=0)
    zero_byte_sessions = models.PositiveIntegerField(default=0)  # since the first event
    # the last sessions seen {sid: {"day": "YYYY-MM-DD", "ended": bool}}: makes the counters idempotent
    recent_sessions = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SimConnectionStateQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["last_seen_at"], name="events_state_last_seen")]

    def __str__(self) -> str:
        return f"Connection state of {self.sim_sid}"

    @property
    def rejection_cause(self) -> str:
        from .parse import cause_in_words

        return cause_in_words(self.rejection_code, self.rejection_message) if self.rejected_at else ""

    def is_online(self, now=None) -> bool:
        now = now or timezone.now()
        if self.in_session and self.session_at and self.session_at >= now - session_stale():
            return True
        if self.attached_at and self.attached_at >= now - online_window():
            return self.rejected_at is None or self.attached_at > self.rejected_at
        return False
