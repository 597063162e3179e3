from django import forms

from apps.core.widgets import FastSelect

from .models import Network
from .selectors import country_name


class NetworkMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        mcc_mnc = ", ".join(f"{i.get('mcc')}-{i.get('mnc')}" for i in obj.identifiers if isinstance(i, dict))
        return f"{country_name(obj.iso_country)} — {obj.friendly_name} ({mcc_mnc or obj.sid})"


class NapCreateForm(forms.Form):
    unique_name = forms.CharField(
        max_length=64,
        help_text="Unique within the account.",
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}),
    )
    networks = NetworkMultipleChoiceField(
        queryset=Network.objects.filter(removed_at__isnull=True).order_by(
            "iso_country", "friendly_name", "id"
        ),
        to_field_name="sid",
        required=False,
        help_text="Hold Ctrl (Cmd on a Mac) to pick several. More can be added later on the profile's page.",
        widget=forms.SelectMultiple(attrs={"class": "form-select", "size": 14}),
    )


class NapRenameForm(forms.Form):
    unique_name = forms.CharField(
        max_length=64,
        label="Unique name",
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}),
    )


class NapNetworkAddForm(forms.Form):
    network = forms.ModelChoiceField(
        queryset=Network.objects.filter(removed_at__isnull=True), to_field_name="sid", widget=FastSelect
    )
