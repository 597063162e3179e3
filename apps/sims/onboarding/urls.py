"""Onboarding URLs, merged into the ``sims`` namespace by apps/sims/urls.py (listed before ``<sid>/``)."""

from django.urls import path

from . import views

urlpatterns: list = [
    path("register/", views.SimRegisterView.as_view(), name="sim_register"),
    path("register/sandbox/", views.SandboxInventoryView.as_view(), name="sim_sandbox_inventory"),
    path("onboard/", views.OnboardingUploadView.as_view(), name="sim_onboard_csv"),
    path("onboard/<str:token>/", views.OnboardingPreviewView.as_view(), name="sim_onboard_preview"),
    path("onboard/<str:token>/confirm/", views.OnboardingConfirmView.as_view(), name="sim_onboard_confirm"),
]
