from django.apps import AppConfig


class AnnotationsConfig(AppConfig):
    """Local data on SIMs and fleets (tags, notes, custom fields), keyed by SID; and the local-data backup."""

    name = "apps.annotations"
    label = "annotations"

    def ready(self) -> None:
        from . import backup

        backup.register_defaults()
