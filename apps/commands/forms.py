"""Send forms: one SIM or a selection (SIM list or a whole fleet) -> a background job."""

from __future__ import annotations

import re

from django import forms

from apps.core.widgets import TypeAheadSelect

from .services import IP_MAX_BYTES, SMS_MAX_CHARS, PayloadError, decode_ip_payload

SPLIT = re.compile(r"[\s,;]+")
MAX_TARGETS = 10_000


class _TargetsMixin(forms.Form):
    sims = forms.CharField(
        label="SIM(s)",
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 2, "placeholder": "SID, ICCID or unique name; several: one per line"}
        ),
        help_text="One SIM sends at once; several (or a fleet) run as a background job.",
    )
    fleet = forms.CharField(label="…or every active SIM of fleet", required=False, max_length=34)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from apps.fleets.models import Fleet

        sms = isinstance(self, SmsSendForm)  # the choices say where SMS commands are disabled
        self.fields["fleet"].widget = TypeAheadSelect(
            url="fleets:fleet_choices",
            placeholder="Type a fleet's name",
            model=Fleet,
            params="sms=1" if sms else "",
        )
        self.fields["fleet"].widget.choices = [("", "—")]
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            if isinstance(field.widget, forms.RadioSelect):
                continue
            field.widget.attrs.setdefault("class", css)

    def clean_fleet(self) -> str:
        from apps.fleets.models import Fleet

        sid = (self.cleaned_data.get("fleet") or "").strip()
        if sid and not Fleet.objects.filter(sid=sid, removed_at__isnull=True).exists():
            raise forms.ValidationError("Choose a fleet from the list.")
        return sid

    def clean_targets(self, data: dict) -> list[str]:
        """SIM SIDs to send to (resolved against local SIMs: SID, ICCID or unique name)."""
        from apps.sims.models import Sim

        refs = [r for r in SPLIT.split(data.get("sims") or "") if r]
        fleet = data.get("fleet")
        if fleet and refs:
            raise forms.ValidationError("Choose SIMs or a fleet, not both.")
        if fleet:
            sids = list(
                Sim.objects.filter(fleet_id=fleet, status="active", removed_at__isnull=True)
                .order_by("id")
                .values_list("sid", flat=True)[: MAX_TARGETS + 1]
            )
            if not sids:
                raise forms.ValidationError("This fleet has no active SIMs.")
        else:
            if not refs:
                raise forms.ValidationError("Enter at least one SIM.")
            refs = list(dict.fromkeys(refs))
            found: dict[str, str] = {}
            for field in ("sid", "iccid", "unique_name"):
                missing = [r for r in refs if r not in found]
                if not missing:
                    break
                for value, sid in Sim.objects.filter(**{f"{field}__in": missing}).values_list(field, "sid"):
                    found.setdefault(value, sid)
            unknown = [r for r in refs if r not in found]
            if unknown:
                raise forms.ValidationError(f"Unknown SIM(s): {', '.join(unknown[:10])}")
            sids = list(dict.fromkeys(found[r] for r in refs))
        if len(sids) > MAX_TARGETS:
            raise forms.ValidationError(f"At most {MAX_TARGETS} SIMs per job.")
        return sids


class SmsSendForm(_TargetsMixin):
    payload = forms.CharField(
        label="Text",
        max_length=SMS_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": SMS_MAX_CHARS, "data-counter": "chars"}),
        help_text=f"At most {SMS_MAX_CHARS} characters.",
        strip=False,
    )

    def clean(self):
        data = super().clean()
        if not self.errors:
            data["targets"] = self.clean_targets(data)
        return data


class IpSendForm(_TargetsMixin):
    payload_type = forms.ChoiceField(
        label="Payload",
        choices=[("text", "Text"), ("base64", "Binary (base64)"), ("hex", "Binary (hex)")],
        initial="text",
        widget=forms.RadioSelect,
    )
    payload = forms.CharField(
        label="Data",
        widget=forms.Textarea(attrs={"rows": 3, "data-counter": "bytes"}),
        help_text=f"At most {IP_MAX_BYTES} bytes.",
        strip=False,
    )
    device_port = forms.IntegerField(label="Device port", min_value=1, max_value=65535, initial=6000)

    def clean(self):
        data = super().clean()
        kind = data.get("payload_type") or "text"
        payload = data.get("payload")
        if payload is not None and "payload" not in self.errors:
            api_type = "text" if kind == "text" else "binary"
            try:
                raw, api_payload = decode_ip_payload(payload=payload, payload_type=api_type, encoding=kind)
            except PayloadError as exc:
                self.add_error("payload", str(exc))
            else:
                data["api_payload_type"] = api_type
                data["api_payload"] = api_payload
                data["size"] = len(raw)
        if not self.errors:
            data["targets"] = self.clean_targets(data)
        return data
