from django.apps import AppConfig


class SavedViewsConfig(AppConfig):
    name = "apps.savedviews"
    label = "savedviews"
    verbose_name = "Saved views"
