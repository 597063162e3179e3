import django_filters
from django import forms
from django.db.models import Q

from apps.annotations.filtersets import AnnotationFilterMixin
from apps.core.filtersets import BootstrapFilterSet, LiveRowsMixin, removed_filter
from apps.core.models import live_choices
from apps.core.widgets import FastSelect
from apps.networks.models import NetworkAccessProfile

from .models import Fleet


class FleetFilterSet(AnnotationFilterMixin, LiveRowsMixin, BootstrapFilterSet):
    annotation_object_type = "fleet"  # + tag / tag_mode / cf_<name> filters (apps.annotations)
    q = django_filters.CharFilter(
        method="search", label="Search", widget=forms.TextInput(attrs={"placeholder": "name or SID"})
    )
    network_access_profile = django_filters.ModelChoiceFilter(
        queryset=live_choices(NetworkAccessProfile),
        to_field_name="sid",
        label="Network Access Profile",
        widget=FastSelect,
    )
    data_enabled = django_filters.BooleanFilter(label="Data enabled")
    removed = removed_filter()

    class Meta:
        model = Fleet
        fields: list[str] = []

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(unique_name__icontains=value) | Q(sid__iexact=value))
