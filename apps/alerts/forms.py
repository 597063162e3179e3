from __future__ import annotations

from django import forms
from django.core.validators import URLValidator, validate_email

from apps.core.models import live_choices
from apps.fleets.models import Fleet
from apps.sims.choices import SimStatus

from . import conditions
from .models import AlertRule, Channel, Condition, Scope, UsageWindow


def _bootstrap(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.CheckboxSelectMultiple):
            continue
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")


def _sync_choices():
    from apps.sync.registry import RESOURCES

    return [("", "Every resource")] + [(name, r.label) for name, r in RESOURCES.items()]


class AlertRuleForm(forms.Form):
    name = forms.CharField(max_length=100)
    enabled = forms.BooleanField(required=False, initial=True)
    condition = forms.ChoiceField(choices=Condition.choices)
    scope = forms.ChoiceField(choices=Scope.choices, initial=Scope.ACCOUNT)
    fleet = forms.ModelChoiceField(queryset=Fleet.objects.none(), required=False, to_field_name="sid")
    sim = forms.CharField(max_length=34, required=False, label="SIM SID", help_text="HS... (SIM scope)")
    threshold = forms.DecimalField(
        max_digits=12,
        decimal_places=2,
        required=False,
        help_text="X % (usage %), N MB (usage MB), N hours (offline, never connected), N rejections, "
        "N minutes (sync overdue)",
    )
    window_minutes = forms.IntegerField(
        min_value=1,
        required=False,
        label="Window (minutes)",
        help_text="M minutes: rejections, IMEI, status, jobs",
    )
    usage_window = forms.ChoiceField(
        choices=[("", "—")] + UsageWindow.choices, required=False, label="Usage in"
    )
    status_to = forms.ChoiceField(
        choices=[("", "Any status")] + SimStatus.choices, required=False, label="Status changed to"
    )
    sync_resource = forms.ChoiceField(choices=(), required=False, label="Sync resource")
    channels = forms.ModelMultipleChoiceField(
        queryset=Channel.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    cooldown_minutes = forms.IntegerField(min_value=0, initial=60, label="Cool-down (minutes)")
    notify_on_resolve = forms.BooleanField(required=False, initial=True, label="Notify when it resolves")

    def __init__(self, *args, instance: AlertRule | None = None, **kwargs):
        self.instance = instance or AlertRule()
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": instance.name,
                "enabled": instance.enabled,
                "condition": instance.condition,
                "scope": instance.scope,
                "fleet": instance.fleet_id,
                "sim": instance.sim_id or "",
                "threshold": instance.threshold,
                "window_minutes": instance.window_minutes,
                "usage_window": instance.usage_window,
                "status_to": instance.status_to,
                "sync_resource": instance.sync_resource,
                "channels": list(instance.channels.all()),
                "cooldown_minutes": instance.cooldown_minutes,
                "notify_on_resolve": instance.notify_on_resolve,
            }
        super().__init__(*args, **kwargs)
        self.fields["fleet"].queryset = live_choices(Fleet)
        self.fields["channels"].queryset = Channel.objects.order_by("name")
        self.fields["sync_resource"].choices = _sync_choices()
        _bootstrap(self)

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        taken = AlertRule.objects.filter(name=name).exclude(pk=self.instance.pk).exists()
        if taken:
            raise forms.ValidationError("Another rule has this name.")
        return name

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        rule = AlertRule(pk=self.instance.pk)
        for name, value in self.rule_data().items():
            if name != "channels":
                setattr(rule, name, value)
        for field, message in conditions.rule_problems(rule):
            self.add_error(field if field in self.fields else None, message)
        return data

    def rule_data(self) -> dict:
        d = self.cleaned_data
        scope = d.get("scope")
        fleet = d.get("fleet")
        return {
            "name": d.get("name"),
            "enabled": d.get("enabled", False),
            "condition": d.get("condition"),
            "scope": scope,
            "fleet_id": fleet.sid if fleet and scope == Scope.FLEET else None,
            "sim_id": ((d.get("sim") or "").strip() or None) if scope == Scope.SIM else None,
            "tag": "",
            "threshold": d.get("threshold"),
            "window_minutes": d.get("window_minutes"),
            "usage_window": d.get("usage_window") or "",
            "status_to": d.get("status_to") or "",
            "sync_resource": d.get("sync_resource") or "",
            "channels": list(d.get("channels") or []),
            "cooldown_minutes": d.get("cooldown_minutes") or 0,
            "notify_on_resolve": d.get("notify_on_resolve", False),
        }


class ChannelForm(forms.Form):
    name = forms.CharField(max_length=100)
    kind = forms.ChoiceField(choices=Channel.Kind.choices)
    target = forms.CharField(
        max_length=2048,
        required=False,
        label="Addresses or URL",
        help_text="Email: addresses, comma separated. Webhook: the https:// URL to POST to.",
    )
    format = forms.ChoiceField(
        choices=Channel.Format.choices, initial=Channel.Format.JSON, label="Webhook format"
    )
    secret = forms.CharField(
        max_length=200,
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        label="Signing secret",
        help_text="Signs each webhook body (HMAC-SHA256). Never shown again; empty keeps the one saved.",
    )
    digest_threshold = forms.IntegerField(
        min_value=0,
        initial=10,
        label="Digest above",
        help_text="More alerts at once than this: one digest message",
    )
    enabled = forms.BooleanField(required=False, initial=True)

    def __init__(self, *args, instance: Channel | None = None, **kwargs):
        self.instance = instance or Channel()
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": instance.name,
                "kind": instance.kind,
                "target": instance.target,
                "format": instance.format,
                "digest_threshold": instance.digest_threshold,
                "enabled": instance.enabled,
            }
        super().__init__(*args, **kwargs)
        _bootstrap(self)

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if Channel.objects.filter(name=name).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("Another channel has this name.")
        return name

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        target = (data.get("target") or "").strip()
        if kind == Channel.Kind.EMAIL:
            addresses = [a.strip() for a in target.split(",") if a.strip()]
            if not addresses:
                self.add_error("target", "Give at least one email address.")
            for address in addresses:
                try:
                    validate_email(address)
                except forms.ValidationError:
                    self.add_error("target", f"{address!r} is not an email address.")
            data["target"] = ", ".join(addresses)
        elif kind == Channel.Kind.WEBHOOK:
            try:
                URLValidator(schemes=["http", "https"])(target)
            except forms.ValidationError:
                self.add_error("target", "Give the http(s) URL the webhook is posted to.")
            data["target"] = target
        else:
            data["target"] = ""
        return data

    def channel_data(self) -> dict:
        d = self.cleaned_data
        return {
            "name": d["name"],
            "kind": d["kind"],
            "target": d["target"],
            "format": d["format"],
            "digest_threshold": d["digest_threshold"],
            "enabled": d.get("enabled", False),
        }
