"""Fleet create / edit forms. The data limit is typed in MB, GB or TB and sent to the API in MB."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from apps.core.models import live_choices
from apps.networks.models import NetworkAccessProfile

from .choices import HttpMethod
from .models import Fleet

DATA_LIMIT_MIN_MB = 1
DATA_LIMIT_MAX_MB = 2_000_000  # 2 TB, the API's maximum
#: decimal units, as Twilio counts them (2 TB = 2,000,000 MB)
UNIT_MB = {"MB": 1, "GB": 1_000, "TB": 1_000_000}
UNIT_CHOICES = [(u, u) for u in UNIT_MB]

#: fields the API sets only when the fleet is created (UpdateFleet has no parameter for them)
IMMUTABLE_FIELDS = ("data_enabled", "sms_commands_enabled")
SMS_WEBHOOK_PATH = "/webhooks/sms-commands/"
IP_WEBHOOK_PATH = "/webhooks/ip-commands/"


def split_megabytes(mb: int | None) -> tuple[Decimal | int | None, str]:
    """1500 -> (Decimal("1.5"), "GB"); 2_000_000 -> (2, "TB"); the biggest unit that keeps <= 3 decimals."""
    if mb is None:
        return None, "MB"
    for unit in ("TB", "GB"):
        factor = UNIT_MB[unit]
        if mb >= factor and (mb * 1000) % factor == 0:
            value = Decimal(mb) / factor
            return (int(value) if value == value.to_integral_value() else value.normalize()), unit
    return mb, "MB"


def webhook_urls(base: str) -> dict[str, str]:
    base = base.rstrip("/")
    return {"sms_commands_url": base + SMS_WEBHOOK_PATH, "ip_commands_url": base + IP_WEBHOOK_PATH}


class NapChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.unique_name} ({obj.sid})" if obj.unique_name else obj.sid


class FleetForm(forms.Form):
    """The fields both create and edit share. ``cleaned_data`` holds API-ready values (NAP SID, MB)."""

    unique_name = forms.CharField(
        max_length=64, help_text="Unique within the account; it can be used in place of the SID."
    )
    network_access_profile = NapChoiceField(
        queryset=live_choices(NetworkAccessProfile),
        to_field_name="sid",
        label="Network Access Profile",
        help_text="The networks this fleet's SIMs may use.",
    )
    data_limit_value = forms.DecimalField(
        label="Data limit",
        min_value=Decimal("0.001"),
        max_digits=12,
        decimal_places=3,
        help_text="Per SIM per billing period: 1 MB to 2 TB (2,000,000 MB).",
    )
    data_limit_unit = forms.ChoiceField(label="Unit", choices=UNIT_CHOICES, initial="MB")
    sms_commands_url = forms.URLField(
        label="SMS commands URL", required=False, max_length=2048, assume_scheme="https"
    )
    sms_commands_method = forms.ChoiceField(
        label="SMS commands method", choices=HttpMethod.choices, initial=HttpMethod.POST
    )
    ip_commands_url = forms.URLField(
        label="IP commands URL", required=False, max_length=2048, assume_scheme="https"
    )
    ip_commands_method = forms.ChoiceField(
        label="IP commands method", choices=HttpMethod.choices, initial=HttpMethod.POST
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")
            widget.attrs.setdefault("id", f"id_{name}")
        self.fields["data_limit_value"].widget.attrs.update({"step": "any", "inputmode": "decimal"})

    def clean(self):
        cleaned = super().clean()
        value, unit = cleaned.get("data_limit_value"), cleaned.get("data_limit_unit")
        if value is not None and unit in UNIT_MB:
            mb = value * UNIT_MB[unit]
            if mb != mb.to_integral_value():
                self.add_error("data_limit_value", "The data limit must be a whole number of megabytes.")
            elif not DATA_LIMIT_MIN_MB <= mb <= DATA_LIMIT_MAX_MB:
                self.add_error(
                    "data_limit_value",
                    f"The data limit must be between 1 MB and 2 TB (2,000,000 MB); {mb.normalize():f} MB "
                    "is out of range.",
                )
            else:
                cleaned["data_limit"] = int(mb)
        nap = cleaned.get("network_access_profile")
        if nap is not None:
            cleaned["network_access_profile_sid"] = nap.sid
        return cleaned

    def api_data(self) -> dict:
        """The validated values under the service's (and API's) names."""
        c = self.cleaned_data
        data = {
            "unique_name": c["unique_name"],
            "network_access_profile": c["network_access_profile_sid"],
            "data_limit": c["data_limit"],
            "sms_commands_url": c.get("sms_commands_url") or "",
            "sms_commands_method": c["sms_commands_method"],
            "ip_commands_url": c.get("ip_commands_url") or "",
            "ip_commands_method": c["ip_commands_method"],
        }
        return data


class FleetCreateForm(FleetForm):
    data_enabled = forms.BooleanField(
        label="Data enabled",
        required=False,
        initial=True,
        help_text="Set at creation only: it cannot be changed later.",
    )
    sms_commands_enabled = forms.BooleanField(
        label="SMS commands enabled",
        required=False,
        initial=True,
        help_text="Set at creation only: it cannot be changed later.",
    )
    use_dashboard_webhooks = forms.BooleanField(
        label="Use this dashboard's webhook URLs",
        required=False,
        help_text="Fills the SMS and IP commands URLs with this dashboard's webhook endpoints.",
    )

    field_order = [
        "unique_name",
        "network_access_profile",
        "data_limit_value",
        "data_limit_unit",
        "data_enabled",
        "sms_commands_enabled",
        "use_dashboard_webhooks",
        "sms_commands_url",
        "sms_commands_method",
        "ip_commands_url",
        "ip_commands_method",
    ]

    def __init__(self, *args, webhook_base: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.webhook_urls = webhook_urls(webhook_base) if webhook_base else {}
        checkbox = self.fields["use_dashboard_webhooks"].widget
        for key, url in self.webhook_urls.items():
            checkbox.attrs[f"data-{key.replace('_', '-')}"] = url
        if not self.is_bound:
            self.initial.setdefault("data_limit_value", 1)
            self.initial.setdefault("data_limit_unit", "GB")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("use_dashboard_webhooks") and self.webhook_urls:
            cleaned.update(self.webhook_urls)
            for key in self.webhook_urls:
                self.errors.pop(key, None)
        return cleaned

    def api_data(self) -> dict:
        data = super().api_data()
        data["data_enabled"] = bool(self.cleaned_data.get("data_enabled"))
        data["sms_commands_enabled"] = bool(self.cleaned_data.get("sms_commands_enabled"))
        return data


class FleetEditForm(FleetForm):
    """UpdateFleet: name, NAP, data limit and command callbacks. Data/SMS enabled are immutable."""

    @classmethod
    def initial_for(cls, fleet: Fleet) -> dict:
        value, unit = split_megabytes(fleet.data_limit)
        return {
            "unique_name": fleet.unique_name,
            "network_access_profile": fleet.network_access_profile_id,
            "data_limit_value": value,
            "data_limit_unit": unit,
            "sms_commands_url": fleet.sms_commands_url,
            "sms_commands_method": fleet.sms_commands_method or HttpMethod.POST,
            "ip_commands_url": fleet.ip_commands_url,
            "ip_commands_method": fleet.ip_commands_method or HttpMethod.POST,
        }
