from django import forms

from apps.annotations.models import Tag
from apps.core.widgets import FastSelect, TypeAheadSelect
from apps.fleets.models import Fleet

from .choices import SimStatus, SimStatusUpdate
from .selectors import fleet_choices_queryset, sim_allowed_statuses


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

    ACTIONS = [
        ("status", "Change status"),
        ("fleet", "Move to fleet"),
        ("tag", "Add tag"),
        ("untag", "Remove tag"),
    ]
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
    bulk_tag = forms.ModelChoiceField(  # apps.annotations
        queryset=Tag.objects.none(), required=False, label="Tag", empty_label="—", widget=FastSelect
    )
    bulk_scope = forms.ChoiceField(choices=SCOPES, initial="selected")
    bulk_confirmed = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bulk_fleet"].queryset = fleet_choices_queryset()
        self.fields["bulk_tag"].queryset = Tag.objects.order_by("name")
        for name in ("bulk_action", "bulk_status", "bulk_fleet", "bulk_tag"):
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
        if action in ("tag", "untag") and not data.get("bulk_tag"):
            self.add_error("bulk_tag", "Choose the tag.")
        if data.get("bulk_scope") == "selected" and not data.get("sids"):
            raise forms.ValidationError("Select at least one SIM, or apply the action to the whole filter.")
        return data

    @property
    def value(self) -> str:
        data = self.cleaned_data
        if data["bulk_action"] in ("tag", "untag"):
            return str(data["bulk_tag"].pk)
        return data["bulk_status"] if data["bulk_action"] == "status" else data["bulk_fleet"].sid

    def question(self, count: int) -> str:
        """What the confirmation asks, naming how many SIMs the job changes: "Change status of 1,234 SIMs
        to Inactive?" or "Move 3 SIMs to fleet Trackers?" (a valid form only)."""
        data = self.cleaned_data
        sims = f"{count:,} SIM" + ("" if count == 1 else "s")
        if data["bulk_action"] == "status":
            return f"Change status of {sims} to {SimStatusUpdate(data['bulk_status']).label}?"
        if data["bulk_action"] == "tag":
            return f"Add tag {data['bulk_tag']} to {sims}?"
        if data["bulk_action"] == "untag":
            return f"Remove tag {data['bulk_tag']} from {sims}?"
        return f"Move {sims} to fleet {data['bulk_fleet']}?"
