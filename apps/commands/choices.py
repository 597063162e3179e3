from django.db import models


class Direction(models.TextChoices):
    TO_SIM = "to_sim", "To SIM"
    FROM_SIM = "from_sim", "From SIM"


class SmsCommandStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"
    RECEIVED = "received", "Received"
    FAILED = "failed", "Failed"


class IpCommandStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"
    RECEIVED = "received", "Received"
    FAILED = "failed", "Failed"


class PayloadType(models.TextChoices):
    TEXT = "text", "Text"
    BINARY = "binary", "Binary"
