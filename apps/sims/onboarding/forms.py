"""Forms for onboarding: one SIM (ICCID + registration code) and the CSV upload."""

from __future__ import annotations

import secrets

from django import forms

from apps.core.widgets import FastSelect
from apps.fleets.models import Fleet
from apps.sims.models import Sim

from . import validation as v
from .csvfile import human_size, max_bytes


def fresh_auto_id() -> str:
    """Field ids unique to each render: htmx's settle step copies the ``style`` attribute between elements
    with the same id in the old and new content, which the CSP (no inline styles) reports as a violation."""
    return f"id_%s_{secrets.token_hex(3)}"


class SimRegisterForm(forms.Form):
    iccid = forms.CharField(
        label="ICCID",
        max_length=40,
        help_text="18 to 22 digits, printed on the SIM card (the last one is a check digit).",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "class": "mono"}),
    )
    registration_code = forms.CharField(
        label="Registration code",
        max_length=40,
        help_text="10 characters, printed next to the ICCID.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "mono"}),
    )
    unique_name = forms.CharField(label="Unique name", max_length=200, required=False)
    fleet = forms.ModelChoiceField(
        queryset=Fleet.objects.none(),
        to_field_name="sid",
        required=False,
        empty_label="— no fleet —",
        widget=FastSelect,
    )
    status = forms.ChoiceField(
        label="Activate now",
        required=False,
        choices=[("", "No, leave it new"), ("ready", "Ready"), ("active", "Active")],
        help_text="Ready and active need a fleet.",
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", fresh_auto_id())
        super().__init__(*args, **kwargs)
        self.fields["fleet"].queryset = Fleet.objects.filter(removed_at__isnull=True).order_by(
            "unique_name", "id"
        )
        for name, field in self.fields.items():
            css = "form-select" if name in ("fleet", "status") else "form-control"
            field.widget.attrs["class"] = f"{css} {field.widget.attrs.get('class', '')}".strip()

    def clean_iccid(self) -> str:
        value = self.cleaned_data["iccid"].strip()
        error = v.iccid_error(value)
        if error:
            raise forms.ValidationError(error, code="iccid")
        return value

    def clean_registration_code(self) -> str:
        value = self.cleaned_data["registration_code"].strip()
        error = v.registration_code_error(value)
        if error:
            raise forms.ValidationError(error, code="registration_code")
        return value

    def clean_unique_name(self) -> str:
        value = self.cleaned_data["unique_name"].strip()
        error = v.unique_name_error(value)
        if error:
            raise forms.ValidationError(error, code="unique_name")
        if value:
            owner = Sim.objects.filter(unique_name=value, removed_at__isnull=True).values_list(
                "iccid", flat=True
            )
            owner = owner.first()
            if owner is not None:
                raise forms.ValidationError(
                    f"The unique name {value!r} is already used by SIM {owner}.", code="unique_name_taken"
                )
        return value

    def clean(self):
        data = super().clean()
        if data.get("status") and not data.get("fleet") and "fleet" not in self.errors:
            self.add_error(
                "fleet", f"Pick a fleet: a SIM must be in a fleet before it can be {data['status']}."
            )
        return data


class OnboardingUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="Columns: iccid, registration_code, and optionally unique_name, fleet (SID or unique "
        "name), status (ready or active). UTF-8 text.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv", "class": "form-control"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > max_bytes():
            raise forms.ValidationError(
                f"The file is {human_size(upload.size)}; the limit is {human_size(max_bytes())}. "
                "Split it into smaller files. Nothing was stored.",
                code="too_big",
            )
        return upload
