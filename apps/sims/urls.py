from django.urls import path  # noqa: F401

app_name = "sims"

urlpatterns: list = []
