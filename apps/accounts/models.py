from django.db import models


class Role(models.Model):
    """Carrier of the dashboard's own permissions (no table: ``managed = False``).

    viewer: read everything. operator: + SIM status/fleet, commands, onboarding, eSIM profiles.
    admin: + fleets, network access profiles, users.
    """

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("view_dashboard", "Can view the dashboard (viewer)"),
            ("operate", "Can change SIMs, send commands, onboard SIMs (operator)"),
            ("administer", "Can manage fleets, network access profiles and users (admin)"),
        ]

    def __str__(self) -> str:
        return "role"
