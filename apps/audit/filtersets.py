import django_filters
from django import forms
from django.db.models import Q

from apps.core.filtersets import BootstrapFilterSet, date_range_filters

from .models import AuditEvent


class AuditEventFilterSet(BootstrapFilterSet):
    username = django_filters.CharFilter(
        label="User", lookup_expr="iexact", widget=forms.TextInput(attrs={"placeholder": "username"})
    )
    action = django_filters.CharFilter(
        label="Action",
        lookup_expr="startswith",
        widget=forms.TextInput(attrs={"placeholder": "e.g. fleet. or nap.network_add"}),
    )
    object = django_filters.CharFilter(
        method="filter_object",
        label="Object",
        widget=forms.TextInput(attrs={"placeholder": "SID, id or name"}),
    )
    object_type = django_filters.CharFilter(label="Object type")
    request_id = django_filters.CharFilter(label="Request id")
    source = django_filters.ChoiceFilter(choices=AuditEvent.Source.choices)
    success = django_filters.BooleanFilter(label="Succeeded")
    since, until = date_range_filters("timestamp")

    class Meta:
        model = AuditEvent
        fields: list[str] = []

    def filter_object(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(object_id=value) | Q(object_repr__icontains=value))
