from django import forms

from .registry import RESOURCES


class SyncNowForm(forms.Form):
    resource = forms.ChoiceField(
        required=False,
        choices=[("", "Everything")] + [(r.name, r.label) for r in RESOURCES.values()],
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
