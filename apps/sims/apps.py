from django.apps import AppConfig


class SimsConfig(AppConfig):
    name = "apps.sims"
    label = "sims"
