from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm

from .models import SecurityPolicy


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        max_length=150, widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"})
    )
    password = forms.CharField(
        strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control"

    def confirm_login_allowed(self, user):
        """``PASSWORD_LOGIN=false``: only a superuser (break-glass) logs in with a password."""
        super().confirm_login_allowed(user)
        if not settings.PASSWORD_LOGIN and not user.is_superuser:
            raise forms.ValidationError(
                "Password login is turned off: log in with single sign-on.", code="password_login_off"
            )


ROLE_CHOICES = [
    ("viewer", "viewer: reads everything"),
    ("operator", "operator: + SIM changes, commands, onboarding, eSIM profiles"),
    ("admin", "admin: + fleets, network access profiles, users"),
]


class UserCreateForm(forms.ModelForm):
    """A new user: username (Django's rules, unique), optional e-mail, one role."""

    role = forms.ChoiceField(choices=ROLE_CHOICES, initial="viewer")

    class Meta:
        model = get_user_model()
        fields = ["username", "email"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].help_text = "150 characters or fewer: letters, digits and @ . + - _ only."
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select" if field is self.fields["role"] else "form-control"


class UserRoleForm(forms.Form):
    role = forms.ChoiceField(choices=ROLE_CHOICES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].widget.attrs["class"] = "form-select form-select-sm"


class CodeForm(forms.Form):
    """A second-factor code: the 6 digits of the authenticator app, or (at login) a recovery code."""

    code = forms.CharField(
        max_length=32,
        strip=True,
        label="Code",
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autofocus": True,
                "class": "form-control",
                "spellcheck": "false",
                "autocapitalize": "off",
            }
        ),
    )


class MfaPolicyForm(forms.Form):
    """Whom an admin asks two-factor login of (apps.accounts.mfa.mfa_policy_set)."""

    mfa_required = forms.ChoiceField(
        label="Two-factor login required of",
        choices=SecurityPolicy.MfaRequired.choices,
        widget=forms.Select(attrs={"class": "form-select form-select-sm w-auto"}),
    )
