from django.apps import AppConfig


class EsimsConfig(AppConfig):
    name = "apps.esims"
    label = "esims"
