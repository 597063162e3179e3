"""Job handlers for CSV onboarding (registered on import)."""
