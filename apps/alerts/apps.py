from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "apps.alerts"
    label = "alerts"

    def ready(self) -> None:
        from apps.annotations import backup

        from . import signals  # noqa: F401 - connects the evaluation triggers (usage sync, connection events)
        from .models import AlertRule, Channel

        # the local-data backup (after users: apps.annotations is installed before this app)
        backup.register(Channel, key=("name",), exclude=("failing", "consecutive_failures", "last_error"))
        backup.register(AlertRule, key=("name",), m2m=("channels",))
