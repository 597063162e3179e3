from __future__ import annotations

import secrets

from django import forms

EID_LENGTH = 32


def fresh_auto_id() -> str:
    """Field ids unique to each render: htmx's settle step copies ``style`` between same-id elements of the
    old and new content, which the CSP (no inline styles) reports as a violation."""
    return f"id_%s_{secrets.token_hex(3)}"


def eid_error(value: str) -> str | None:
    if not value:
        return None
    bad = next((ch for ch in value if not (ch.isascii() and ch.isdigit())), None)
    if bad is not None:
        return f"The EID may contain digits only; it contains {bad!r} at position {value.index(bad) + 1}."
    if len(value) != EID_LENGTH:
        return f"The EID must be exactly {EID_LENGTH} digits long; this one has {len(value)}."
    return None


class EsimProfileCreateForm(forms.Form):
    eid = forms.CharField(
        label="EID",
        required=False,
        max_length=64,
        help_text="The 32-digit eUICC ID of the device (leave empty to use a generated matching ID instead).",
        widget=forms.TextInput(
            attrs={"class": "form-control mono", "inputmode": "numeric", "autocomplete": "off"}
        ),
    )
    generate_matching_id = forms.BooleanField(
        label="Generate a matching ID",
        required=False,
        initial=True,
        help_text="The activation code (and its QR code) then carries a matching ID any device can use.",
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", fresh_auto_id())
        super().__init__(*args, **kwargs)

    def clean_eid(self) -> str:
        value = "".join(self.cleaned_data["eid"].split())  # EIDs are often written in groups of digits
        error = eid_error(value)
        if error:
            raise forms.ValidationError(error, code="eid")
        return value

    def clean(self):
        data = super().clean()
        if "eid" not in self.errors and not data.get("eid") and not data.get("generate_matching_id"):
            raise forms.ValidationError(
                "Give the device's EID, or tick 'Generate a matching ID' (or both).",
                code="eid_or_matching_id",
            )
        return data
