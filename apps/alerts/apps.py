from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "apps.alerts"
    label = "alerts"

    def ready(self) -> None:
        from . import signals  # noqa: F401 - connects the evaluation triggers (usage sync, connection events)
