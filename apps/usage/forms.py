"""The usage page's query form: what to chart (scope + member), granularity and date range."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from django import forms
from django.utils import timezone

from apps.core.widgets import FastSelect, TypeAheadSelect

from .choices import UsageGroup
from .selectors import CHART_GRANULARITIES, Window

SCOPES = [
    (UsageGroup.ACCOUNT.value, "Account"),
    (UsageGroup.FLEET.value, "Fleet"),
    (UsageGroup.SIM.value, "SIM"),
    (UsageGroup.NETWORK.value, "Network"),
    (UsageGroup.ISO_COUNTRY.value, "Country"),
]
MAX_DAYS = 400
MAX_HOURLY_DAYS = 31


def default_start(end, granularity: str):
    """The first day charted when none is given: 2 days hourly, 365 days monthly, else the first day of the
    month before ``end``'s (the last whole month and this one: two month rollups per member, read fast)."""
    if granularity == "hour":
        return end - timedelta(days=1)
    if granularity == "month":
        return end - timedelta(days=364)
    return (end.replace(day=1) - timedelta(days=1)).replace(day=1)


class UsageQueryForm(forms.Form):
    scope = forms.ChoiceField(choices=SCOPES, initial=UsageGroup.ACCOUNT.value, required=False)
    fleet = forms.CharField(required=False, max_length=34)
    network = forms.ChoiceField(choices=[("", "— network —")], required=False, widget=FastSelect)
    country = forms.CharField(required=False, max_length=2, label="Country (ISO code)")
    sim = forms.CharField(required=False, max_length=64, label="SIM (SID, ICCID or name)")
    granularity = forms.ChoiceField(choices=CHART_GRANULARITIES, initial="day", required=False)
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, with_choices: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_choices:  # JSON/CSV endpoints: no select lists to render, take the SIDs as given
            self.fields["network"] = forms.CharField(required=False, max_length=34)
            return
        from apps.fleets.models import Fleet
        from apps.networks.models import Network

        self.fields["fleet"].widget = TypeAheadSelect(
            url="fleets:fleet_choices", placeholder="Type a fleet's name", model=Fleet
        )
        self.fields["fleet"].widget.choices = [("", "— fleet —")]
        self.fields["network"].choices = [("", "— network —")] + [
            (sid, f"{name} ({iso})" if iso else name or sid)
            for sid, name, iso in Network.objects.filter(removed_at__isnull=True)
            .order_by("friendly_name", "sid")
            .values_list("sid", "friendly_name", "iso_country")[:2000]
        ]
        for name, field in self.fields.items():
            css = (
                "form-select form-select-sm"
                if isinstance(field.widget, forms.Select)
                else "form-control form-control-sm"
            )
            field.widget.attrs.setdefault("class", css)
            field.widget.attrs.setdefault("data-usage-field", name)

    def clean_country(self):
        return (self.cleaned_data.get("country") or "").strip().upper()

    def clean(self):
        data = super().clean()
        scope = data.get("scope") or UsageGroup.ACCOUNT.value
        data["scope"] = scope
        data["granularity"] = data.get("granularity") or "day"
        today = timezone.now().astimezone(UTC).date()
        end = data.get("end") or today
        start = data.get("start") or default_start(end, data["granularity"])
        if start > end:
            raise forms.ValidationError("The start date must not be after the end date.")
        days = (end - start).days + 1
        if days > MAX_DAYS:
            raise forms.ValidationError(f"Choose at most {MAX_DAYS} days.")
        if data["granularity"] == "hour" and days > MAX_HOURLY_DAYS:
            raise forms.ValidationError(f"Hourly charts cover at most {MAX_HOURLY_DAYS} days.")
        data["start"], data["end"] = start, end
        key = ""
        if scope == UsageGroup.FLEET:
            key = data.get("fleet") or ""
        elif scope == UsageGroup.NETWORK:
            key = data.get("network") or ""
        elif scope == UsageGroup.ISO_COUNTRY:
            key = data.get("country") or ""
        elif scope == UsageGroup.SIM:
            key = self._sim_sid(data.get("sim") or "")
        if scope != UsageGroup.ACCOUNT and not key:
            raise forms.ValidationError(f"Choose which {dict(SCOPES)[scope].lower()} to chart.")
        data["key"] = key
        return data

    def _sim_sid(self, ref: str) -> str:
        from apps.sims.models import Sim

        ref = ref.strip()
        if not ref:
            return ""
        sid = (
            Sim.objects.filter(sid=ref).values_list("sid", flat=True).first()
            or Sim.objects.filter(iccid=ref).values_list("sid", flat=True).first()
            or Sim.objects.filter(unique_name=ref).values_list("sid", flat=True).first()
        )
        if not sid:
            raise forms.ValidationError(f"No SIM matches {ref!r}.")
        return sid

    @property
    def window(self) -> Window:
        data = self.cleaned_data
        return Window(
            datetime.combine(data["start"], time.min, tzinfo=UTC),
            datetime.combine(data["end"], time.min, tzinfo=UTC) + timedelta(days=1),
        )
