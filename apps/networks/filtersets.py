import django_filters
from django import forms
from django.db.models import Q

from apps.core.filtersets import BootstrapFilterSet
from apps.core.models import live_choices

from .models import Network, NetworkAccessProfile, NetworkAccessProfileNetwork
from .selectors import country_choices, network_search_q


class LiveRowsMixin:
    """Rows removed upstream are hidden unless the ``removed`` filter asks for them (also when unbound)."""

    @property
    def qs(self):
        if not hasattr(self, "_qs_live"):
            qs = super().qs
            show = self.form.cleaned_data.get("removed") if self.is_bound and self.form.is_valid() else ""
            self._qs_live = qs if show else qs.filter(removed_at__isnull=True)
        return self._qs_live

    def filter_removed(self, queryset, name, value):
        return queryset.filter(removed_at__isnull=False) if value == "only" else queryset


def removed_filter():
    return django_filters.ChoiceFilter(
        method="filter_removed",
        label="Removed upstream",
        empty_label="Hide removed",
        choices=[("all", "Show removed too"), ("only", "Only removed")],
    )


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
    nap = django_filters.ModelChoiceFilter(
        queryset=live_choices(NetworkAccessProfile),
        to_field_name="sid",
        method="filter_nap",
        label="Allowed by NAP",
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
