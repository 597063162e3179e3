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


class RecoveryCode(models.Model):
    """A single-use recovery code of a user's two-factor login (apps/accounts/mfa.py). Only the SHA-256 of
    the code is kept (the codes are random, 50 bits each: no salt or slow hash needed); ``used_at`` set
    once it has been spent."""

    user = models.ForeignKey("auth.User", on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "code_hash"])]

    def __str__(self) -> str:
        return f"recovery code of user {self.user_id}"


class SsoIdentity(models.Model):
    """The OpenID Connect identity (issuer + ``sub``) a user logs in with (apps/accounts/oidc.py): the
    link is by subject, never by username or e-mail, so no provider account takes over a local one."""

    user = models.OneToOneField("auth.User", on_delete=models.CASCADE, related_name="sso_identity")
    issuer = models.CharField(max_length=300)
    subject = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    last_login_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issuer", "subject"], name="sso_identity_unique")]

    def __str__(self) -> str:
        return f"{self.subject} at {self.issuer}"


class SecurityPolicy(models.Model):
    """The dashboard's own security policy, set by an admin on the users page (one row). Two-factor login is
    asked of whom the stricter of ``mfa_required`` and the deployment's ``MFA_REQUIRED`` names
    (apps/accounts/mfa.py :func:`mfa_policy`)."""

    class MfaRequired(models.TextChoices):
        NONE = "none", "Nobody (each user chooses)"
        ADMINS = "admins", "Admins"
        ALL = "all", "Everyone"

    mfa_required = models.CharField(max_length=10, choices=MfaRequired.choices, default=MfaRequired.NONE)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "security policy"

    def __str__(self) -> str:
        return f"two-factor login required of: {self.get_mfa_required_display()}"
