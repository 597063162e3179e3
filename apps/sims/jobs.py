"""Job handlers of the sims app (autodiscovered by apps.core)."""

from apps.sims.onboarding import jobs as onboarding_jobs  # noqa: F401 - registers the onboarding handlers
