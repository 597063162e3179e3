"""Onboarding URLs, merged into the ``sims`` namespace by apps/sims/urls.py."""

urlpatterns: list = []
