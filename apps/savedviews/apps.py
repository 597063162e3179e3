from django.apps import AppConfig


class SavedViewsConfig(AppConfig):
    name = "apps.savedviews"
    label = "savedviews"
    verbose_name = "Saved views"

    def ready(self) -> None:
        from apps.annotations import backup

        from .models import ListPreference, SavedView

        # the local-data backup (after users: apps.annotations is installed before this app)
        backup.register(SavedView, key=("owner", "list_key", "name"))
        backup.register(ListPreference, key=("user", "list_key"))
