import django_filters
from django import forms
from django.db.models import Q

from apps.core.models import live_choices
from apps.fleets.models import Fleet
from apps.networks.models import NetworkAccessProfile

from .choices import SimStatus
from .forms import FastSelect
from .models import Sim


def sim_search_q(value: str) -> Q | None:
    """ICCID prefix, SID, or unique-name prefix: every branch uses an index (no ``%x%`` scans)."""
    value = value.strip()
    if not value:
        return None
    compact = value.replace(" ", "")
    if compact.isdigit() and len(compact) >= 4:
        return Q(iccid__startswith=compact)  # digits: an ICCID prefix (an OR with names defeats the index)
    q = Q(unique_name__startswith=value)
    if value[:2].upper() == "HS":
        q |= Q(sid=value)
    return q


class SimFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search",
        label="Search",
        widget=forms.TextInput(attrs={"placeholder": "ICCID prefix, SID or name", "type": "search"}),
    )
    status = django_filters.ChoiceFilter(
        choices=SimStatus.choices, empty_label="Any status", widget=FastSelect
    )
    fleet = django_filters.ModelChoiceFilter(
        queryset=live_choices(Fleet),
        to_field_name="sid",
        empty_label="Any fleet",
        widget=FastSelect,
    )
    nap = django_filters.ModelChoiceFilter(
        field_name="fleet__network_access_profile",
        queryset=live_choices(NetworkAccessProfile),
        to_field_name="sid",
        label="Network Access Profile",
        empty_label="Any NAP",
        widget=FastSelect,
    )
    removed = django_filters.ChoiceFilter(
        method="filter_removed",
        label="Removed upstream",
        empty_label="Hide removed",
        choices=[("all", "Show removed too"), ("only", "Only removed")],
        widget=FastSelect,
    )

    class Meta:
        model = Sim
        fields: list[str] = []

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        for field in self.form.fields.values():
            select = isinstance(field.widget, forms.Select)
            field.widget.attrs.setdefault(
                "class", "form-select form-select-sm" if select else "form-control form-control-sm"
            )

    @property
    def qs(self):
        """SIMs marked removed upstream are hidden unless asked for (also when no filter is bound)."""
        if not hasattr(self, "_qs_live"):
            qs = super().qs
            show = self.form.cleaned_data.get("removed") if self.is_bound and self.form.is_valid() else ""
            self._qs_live = qs if show else qs.filter(removed_at__isnull=True)
        return self._qs_live

    def filter_removed(self, queryset, name, value):
        return queryset.filter(removed_at__isnull=False) if value == "only" else queryset

    def search(self, queryset, name, value):
        q = sim_search_q(value)
        return queryset.filter(q) if q is not None else queryset
