from django.db import models


class UsageGroup(models.TextChoices):
    ACCOUNT = "account", "Account"
    SIM = "sim", "SIM"
    FLEET = "fleet", "Fleet"
    NETWORK = "network", "Network"
    ISO_COUNTRY = "isoCountry", "Country"


class Granularity(models.TextChoices):
    HOUR = "hour", "Hour"
    DAY = "day", "Day"
    ALL = "all", "All"
