import django_filters
from django import forms
from django.db.models import Q

from apps.annotations.filtersets import AnnotationFilterMixin
from apps.core.filtersets import BootstrapFilterSet, LiveRowsMixin, removed_filter
from apps.core.models import live_choices
from apps.core.widgets import FastSelect, TypeAheadSelect
from apps.events import selectors as events
from apps.fleets.models import Fleet
from apps.networks.models import NetworkAccessProfile

from .choices import SimStatus
from .models import Sim


def sim_search_q(value: str) -> Q | None:
    """ICCID prefix, SID, or unique-name prefix: every branch uses an index (no ``%x%`` scans)."""
    value = value.strip()
    if not value:
        return None
    compact = value.replace(" ", "")
    if compact.isdigit() and len(compact) >= 4:
        # digits: an ICCID prefix, as a RANGE of the ICCID index (prefix <= iccid < prefix + 1), which the
        # planner estimates from the column's histogram (a LIKE it guesses, and walks the date index instead);
        # an OR with names would defeat the index
        upper = str(int(compact) + 1).zfill(len(compact))
        if len(upper) > len(compact):  # 999...: no upper bound
            return Q(iccid__gte=compact)
        return Q(iccid__gte=compact, iccid__lt=upper)
    q = Q(unique_name__startswith=value)
    if value[:2].upper() == "HS":
        q |= Q(sid=value)
    return q


class SimFilterSet(AnnotationFilterMixin, LiveRowsMixin, BootstrapFilterSet):
    annotation_object_type = "sim"  # + tag / tag_mode / cf_<name> filters (apps.annotations)
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
        widget=TypeAheadSelect(url="fleets:fleet_choices", placeholder="Any fleet"),
    )
    nap = django_filters.ModelChoiceFilter(
        field_name="fleet__network_access_profile",
        queryset=live_choices(NetworkAccessProfile),
        to_field_name="sid",
        label="Network Access Profile",
        empty_label="Any NAP",
        widget=FastSelect,
    )
    removed = removed_filter(widget=FastSelect)
    # from connection events (apps/events)
    connection = django_filters.ChoiceFilter(
        choices=events.CONNECTION_CHOICES,
        method="filter_connection",
        label="Connection",
        empty_label="Any",
        widget=FastSelect,
    )
    offline_hours = django_filters.NumberFilter(
        method="filter_offline_hours", label="Offline for more than (hours)", min_value=0, max_value=24 * 3650
    )
    imei_changed = django_filters.BooleanFilter(
        method="filter_imei_changed",
        label="IMEI changed",
        widget=forms.Select(choices=[("", "Any"), ("true", "Yes"), ("false", "No")]),
    )

    class Meta:
        model = Sim
        fields: list[str] = []

    def search(self, queryset, name, value):
        q = sim_search_q(value)
        return queryset.filter(q) if q is not None else queryset

    def filter_connection(self, queryset, name, value):
        return events.filter_sims_by_connection(queryset, value)

    def filter_offline_hours(self, queryset, name, value):
        return queryset if value is None else events.filter_sims_offline_for(queryset, value)

    def filter_imei_changed(self, queryset, name, value):
        return queryset if value is None else events.filter_sims_imei_changed(queryset, value)
