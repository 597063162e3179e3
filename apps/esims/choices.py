from django.db import models


class EsimProfileStatus(models.TextChoices):
    NEW = "new", "New"
    RESERVING = "reserving", "Reserving"
    AVAILABLE = "available", "Available"
    DOWNLOADED = "downloaded", "Downloaded"
    INSTALLED = "installed", "Installed"
    FAILED = "failed", "Failed"
