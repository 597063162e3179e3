from django.apps import AppConfig


class SupersimConfig(AppConfig):
    name = "apps.supersim"
    label = "supersim"
