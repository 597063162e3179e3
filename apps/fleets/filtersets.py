import django_filters
from django import forms
from django.db.models import Q

from apps.core.filtersets import BootstrapFilterSet
from apps.core.models import live_choices
from apps.networks.models import NetworkAccessProfile

from .models import Fleet


class FleetFilterSet(BootstrapFilterSet):
    q = django_filters.CharFilter(
        method="search", label="Search", widget=forms.TextInput(attrs={"placeholder": "name or SID"})
    )
    network_access_profile = django_filters.ModelChoiceFilter(
        queryset=live_choices(NetworkAccessProfile),
        to_field_name="sid",
        label="Network Access Profile",
    )
    data_enabled = django_filters.BooleanFilter(label="Data enabled")
    removed = django_filters.ChoiceFilter(
        method="filter_removed",
        label="Removed upstream",
        empty_label="Hide removed",
        choices=[("all", "Show removed too"), ("only", "Only removed")],
    )

    class Meta:
        model = Fleet
        fields: list[str] = []

    @property
    def qs(self):
        """Fleets marked removed upstream are hidden unless asked for (also when no filter is bound)."""
        if not hasattr(self, "_qs_live"):
            qs = super().qs
            show = self.form.cleaned_data.get("removed") if self.is_bound and self.form.is_valid() else ""
            self._qs_live = qs if show else qs.filter(removed_at__isnull=True)
        return self._qs_live

    def filter_removed(self, queryset, name, value):
        return queryset.filter(removed_at__isnull=False) if value == "only" else queryset

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(unique_name__icontains=value) | Q(sid__iexact=value))
