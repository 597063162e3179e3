import django_filters
from django import forms
from django.db.models import Q

from .models import AuditEvent


class AuditEventFilterSet(django_filters.FilterSet):
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
    since = django_filters.DateFilter(
        field_name="timestamp",
        lookup_expr="date__gte",
        label="From",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = django_filters.DateFilter(
        field_name="timestamp",
        lookup_expr="date__lte",
        label="Until",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = AuditEvent
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.form.fields.values():
            css = (
                "form-select form-select-sm"
                if isinstance(field.widget, forms.Select)
                else "form-control form-control-sm"
            )
            field.widget.attrs.setdefault("class", css)

    def filter_object(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(object_id=value) | Q(object_repr__icontains=value))
