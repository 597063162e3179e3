from django.urls import path  # noqa: F401

from .onboarding.urls import urlpatterns as onboarding_urlpatterns

app_name = "sims"

urlpatterns: list = [
    *onboarding_urlpatterns,
]
