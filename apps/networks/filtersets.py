import django_filters
from django import forms
from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from apps.core.filtersets import BootstrapFilterSet, LiveRowsMixin, removed_filter
from apps.core.models import live_choices
from apps.core.widgets import FastSelect

from .models import Network, NetworkAccessProfile, NetworkAccessProfileNetwork
from .selectors import country_choices, network_search_q


class NetworkFilterSet(LiveRowsMixin, BootstrapFilterSet):
    q = django_filters.CharFilter(
        method="search",
        label="Search",
        widget=forms.TextInput(attrs={"placeholder": "country, name, MCC-MNC"}),
    )
    iso_country = django_filters.ChoiceFilter(
        label="Country", choices=country_choices, empty_label="Any country"
    )
    mcc = django_filters.CharFilter(
        method="filter_mcc", label="MCC", widget=forms.TextInput(attrs={"size": 3})
    )
    mnc = django_filters.CharFilter(
        method="filter_mnc", label="MNC", widget=forms.TextInput(attrs={"size": 3})
    )
    # a NAP's SID in the query string (the REST API's schema says so: Network has no ``nap`` field to read)
    nap = extend_schema_field(OpenApiTypes.STR)(
        django_filters.ModelChoiceFilter(
            queryset=live_choices(NetworkAccessProfile),
            to_field_name="sid",
            method="filter_nap",
            label="Allowed by NAP",
            widget=FastSelect,
        )
    )
    removed = removed_filter()

    class Meta:
        model = Network
        fields: list[str] = []

    def search(self, queryset, name, value):
        return queryset.filter(network_search_q(value)) if value.strip() else queryset

    def filter_mcc(self, queryset, name, value):
        # mcc_mnc holds "310-410 310410 ...": an MCC starts a token
        value = value.strip()
        return queryset.filter(Q(mcc_mnc__startswith=f"{value}-") | Q(mcc_mnc__contains=f" {value}-"))

    def filter_mnc(self, queryset, name, value):
        value = value.strip()
        return (
            queryset.filter(Q(mcc_mnc__regex=rf"(^|\s)\d{{3}}-{value}(\s|$)"))
            if value.isdigit()
            else queryset
        )

    def filter_nap(self, queryset, name, value):
        members = NetworkAccessProfileNetwork.objects.filter(nap_id=value.sid, removed_at__isnull=True)
        return queryset.filter(sid__in=members.values("network_id"))


class NapFilterSet(LiveRowsMixin, BootstrapFilterSet):
    q = django_filters.CharFilter(
        method="search", label="Search", widget=forms.TextInput(attrs={"placeholder": "name or SID"})
    )
    removed = removed_filter()

    class Meta:
        model = NetworkAccessProfile
        fields: list[str] = []

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(unique_name__icontains=value) | Q(sid__iexact=value)) if value else queryset
