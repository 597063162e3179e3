from django import forms
from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe

from apps.core.widgets import TypeAheadSelect
from apps.fleets.models import Fleet

from .choices import SimStatus, SimStatusUpdate
from .selectors import fleet_choices_queryset, sim_allowed_statuses


class FastSelect(forms.Select):
    """A single select rendered in Python: Django renders each <option> through a template include, which
    costs ~0.1 ms per option - 100 ms for a list of 1,000 fleets on every SIM page."""

    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = {"name": name, **self.build_attrs(self.attrs, attrs)}  # Django's attribute order
        chosen = "" if value is None else str(value)
        options = []
        for option_value, label in self.choices:
            option_value = "" if option_value is None else str(option_value)
            selected = " selected" if option_value == chosen else ""
            # escaped as format_html would, without its per-call overhead (~450 options on a SIM page)
            text = conditional_escape(label)
            options.append(f'<option value="{escape(option_value)}"{selected}>{text}</option>')
        # attributes as django/forms/widgets/attrs.html writes them (in order; True: bare, False: left out)
        html_attrs = "".join(
            f" {escape(key)}" if val is True else f' {escape(key)}="{escape(val)}"'
            for key, val in final_attrs.items()
            if val is not False and val is not None
        )
        return mark_safe(f"<select{html_attrs}>{''.join(options)}</select>")  # noqa: S308 - escaped above


class SimStatusForm(forms.Form):
    """Offers only the statuses the SIM may move to; a forged value is refused by validation."""

    status = forms.ChoiceField(label="New status")

    def __init__(self, *args, sim, **kwargs):
        super().__init__(*args, **kwargs)
        self.sim = sim
        allowed = sim_allowed_statuses(status=sim.status)
        self.fields["status"].choices = [(s, SimStatus(s).label) for s in allowed]
        self.fields["status"].widget.attrs["class"] = "form-select form-select-sm"

    @property
    def has_choices(self) -> bool:
        return bool(self.fields["status"].choices)


class SimFleetForm(forms.Form):
    fleet = forms.ModelChoiceField(
        queryset=Fleet.objects.none(),
        to_field_name="sid",
        label="Fleet",
        widget=TypeAheadSelect(url="fleets:fleet_choices", placeholder="Type a fleet's name"),
    )

    def __init__(self, *args, sim, **kwargs):
        kwargs.setdefault("initial", {"fleet": sim.fleet_id})
        super().__init__(*args, **kwargs)
        self.sim = sim
        self.fields["fleet"].queryset = fleet_choices_queryset()
        self.fields["fleet"].widget.attrs["class"] = "form-select form-select-sm"

    def clean_fleet(self):
        fleet = self.cleaned_data["fleet"]
        if fleet.sid == self.sim.fleet_id:
            raise forms.ValidationError("The SIM is in this fleet already.")
        return fleet


class SimRenameForm(forms.Form):
    unique_name = forms.CharField(label="Unique name", max_length=64)

    def __init__(self, *args, sim, **kwargs):
        kwargs.setdefault("initial", {"unique_name": sim.unique_name})
        super().__init__(*args, **kwargs)
        self.sim = sim
        self.fields["unique_name"].widget.attrs["class"] = "form-control form-control-sm"

    def clean_unique_name(self):
        name = self.cleaned_data["unique_name"].strip()
        if name.startswith(("HS", "hs")) and len(name) == 34:
            raise forms.ValidationError("A unique name must not look like a SIM SID.")
        if name == self.sim.unique_name:
            raise forms.ValidationError("The SIM has this name already.")
        return name


class SimBulkForm(forms.Form):
    """A bulk action on the selected SIMs or on every SIM the current filter matches.

    ``bulk_confirmed`` is the number of SIMs the person was shown and confirmed (see ``SimBulkView``);
    empty on the first, asking, POST."""

    ACTIONS = [("status", "Change status"), ("fleet", "Move to fleet")]
    SCOPES = [("selected", "Selected SIMs"), ("filter", "Every SIM matching the filter")]

    bulk_action = forms.ChoiceField(choices=ACTIONS, label="Action")
    bulk_status = forms.ChoiceField(
        choices=[("", "—"), *SimStatusUpdate.choices], required=False, label="Status"
    )
    bulk_fleet = forms.ModelChoiceField(
        queryset=Fleet.objects.none(),
        to_field_name="sid",
        required=False,
        label="Fleet",
        empty_label="—",
        widget=TypeAheadSelect(url="fleets:fleet_choices", placeholder="Type a fleet's name"),
    )
    bulk_scope = forms.ChoiceField(choices=SCOPES, initial="selected")
    bulk_confirmed = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bulk_fleet"].queryset = fleet_choices_queryset()
        for name in ("bulk_action", "bulk_status", "bulk_fleet"):
            self.fields[name].widget.attrs["class"] = "form-select form-select-sm"
        self.fields["bulk_action"].widget.attrs["id"] = "bulk-action"

    def clean(self):
        data = super().clean()
        raw = self.data.getlist("sids") if hasattr(self.data, "getlist") else []
        data["sids"] = list(dict.fromkeys(s.strip() for s in raw if s.strip()))
        action = data.get("bulk_action")
        if action == "status" and not data.get("bulk_status"):
            self.add_error("bulk_status", "Choose the new status.")
        if action == "fleet" and not data.get("bulk_fleet"):
            self.add_error("bulk_fleet", "Choose the fleet.")
        if data.get("bulk_scope") == "selected" and not data.get("sids"):
            raise forms.ValidationError("Select at least one SIM, or apply the action to the whole filter.")
        return data

    @property
    def value(self) -> str:
        data = self.cleaned_data
        return data["bulk_status"] if data["bulk_action"] == "status" else data["bulk_fleet"].sid

    def question(self, count: int) -> str:
        """What the confirmation asks, naming how many SIMs the job changes: "Change status of 1,234 SIMs
        to Inactive?" or "Move 3 SIMs to fleet Trackers?" (a valid form only)."""
        data = self.cleaned_data
        sims = f"{count:,} SIM" + ("" if count == 1 else "s")
        if data["bulk_action"] == "status":
            return f"Change status of {sims} to {SimStatusUpdate(data['bulk_status']).label}?"
        return f"Move {sims} to fleet {data['bulk_fleet']}?"
