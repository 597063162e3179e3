from django.apps import AppConfig


class NetworksConfig(AppConfig):
    name = "apps.networks"
    label = "networks"
