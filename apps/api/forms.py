from datetime import UTC, datetime, time

from django import forms
from django.utils import timezone

from .models import ApiToken


class ApiTokenCreateForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What the token is for (a script, a CI job...).")
    scope = forms.ChoiceField(
        choices=ApiToken.Scope.choices,
        initial=ApiToken.Scope.READ,
        help_text="Read only, or read and write (writes still need your role).",
    )
    expires = forms.DateField(
        required=False,
        label="Expires on",
        help_text="Optional: the token stops working at the start of this day (UTC).",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Give the token a name.")
        return name

    def clean_expires(self):
        day = self.cleaned_data.get("expires")
        if day is None:
            return None
        at = datetime.combine(day, time.min, tzinfo=UTC)
        if at <= timezone.now():
            raise forms.ValidationError("The expiry date must be in the future.")
        return at
