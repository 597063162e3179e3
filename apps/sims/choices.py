from django.db import models


class SimStatus(models.TextChoices):
    NEW = "new", "New"
    READY = "ready", "Ready"
    ACTIVE = "active", "Active"
    INACTIVE = "inactive", "Inactive"
    SCHEDULED = "scheduled", "Scheduled"


class SimStatusUpdate(models.TextChoices):
    """The statuses an operator may request (``UpdateSim``)."""

    READY = "ready", "Ready"
    ACTIVE = "active", "Active"
    INACTIVE = "inactive", "Inactive"


class BillingPeriodType(models.TextChoices):
    READY = "ready", "Ready"
    ACTIVE = "active", "Active"


class IpAddressVersion(models.TextChoices):
    IPV4 = "IPv4", "IPv4"
    IPV6 = "IPv6", "IPv6"


class SettingsUpdateStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    IN_PROGRESS = "in-progress", "In progress"
    SUCCESSFUL = "successful", "Successful"
    FAILED = "failed", "Failed"
