"""Onboarding SIMs: register one by ICCID + registration code, or thousands from a CSV (a background job)."""
