import django_filters
from django import forms
from django.db.models import Q

from apps.core.filtersets import BootstrapFilterSet, date_range_filters

from .models import ConnectionEvent, DeadLetter, EventType


class ConnectionEventFilterSet(BootstrapFilterSet):
    sim = django_filters.CharFilter(
        method="filter_sim", label="SIM", widget=forms.TextInput(attrs={"placeholder": "SID, ICCID or name"})
    )
    type = django_filters.ChoiceFilter(choices=EventType.choices, label="Type")
    rejections = django_filters.BooleanFilter(method="filter_rejections", label="Rejections only")
    network = django_filters.CharFilter(
        method="filter_network",
        label="Network",
        widget=forms.TextInput(attrs={"placeholder": "name, SID or MCC-MNC"}),
    )
    country = django_filters.CharFilter(field_name="iso_country", lookup_expr="iexact", label="Country (ISO)")
    since, until = date_range_filters("timestamp", times=True)

    class Meta:
        model = ConnectionEvent
        fields: list[str] = []

    def filter_sim(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(sim_sid=value) | Q(iccid=value) | Q(sim_unique_name=value))

    def filter_rejections(self, queryset, name, value):
        if value:
            return queryset.filter(type__in=[EventType.ATTACHMENT_REJECTED, EventType.ATTACHMENT_FAILED])
        return queryset

    def filter_network(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        query = Q(network_sid=value) | Q(network_name__icontains=value)
        mcc, sep, mnc = value.partition("-")
        if sep and mcc.isdigit() and mnc.isdigit():
            query |= Q(mcc=mcc, mnc=mnc)
        return queryset.filter(query)


class DeadLetterFilterSet(BootstrapFilterSet):
    reason = django_filters.CharFilter(lookup_expr="icontains", label="Reason")
    since = date_range_filters("received_at")[0]  # from a day on (no "until")

    class Meta:
        model = DeadLetter
        fields: list[str] = []
