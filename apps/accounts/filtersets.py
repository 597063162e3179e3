import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q

from apps.core.filtersets import BootstrapFilterSet

from .permissions import ADMIN, OPERATOR, VIEWER
from .selectors import NO_ROLE

YES_NO_ANY = [("", "Any"), ("true", "Yes"), ("false", "No")]


class UserFilterSet(BootstrapFilterSet):
    username = django_filters.CharFilter(
        label="Username", lookup_expr="icontains", widget=forms.TextInput(attrs={"placeholder": "part of it"})
    )
    role = django_filters.ChoiceFilter(
        label="Role",
        empty_label="Any",
        method="filter_role",
        choices=[(ADMIN, ADMIN), (OPERATOR, OPERATOR), (VIEWER, VIEWER), (NO_ROLE, NO_ROLE)],
    )
    is_active = django_filters.BooleanFilter(label="Active", widget=forms.Select(choices=YES_NO_ANY))
    locked_out = django_filters.BooleanFilter(label="Locked out", widget=forms.Select(choices=YES_NO_ANY))

    class Meta:
        model = get_user_model()
        fields: list[str] = []

    def filter_role(self, queryset, name, value):
        """Users whose highest role is ``value`` (a superuser counts as an admin)."""
        if value == ADMIN:
            admins = queryset.model.objects.filter(groups__name=ADMIN)
            return queryset.filter(Q(is_superuser=True) | Q(pk__in=admins))
        higher = {OPERATOR: [ADMIN], VIEWER: [ADMIN, OPERATOR], NO_ROLE: [ADMIN, OPERATOR, VIEWER]}[value]
        queryset = queryset.exclude(is_superuser=True).exclude(groups__name__in=higher)
        if value != NO_ROLE:
            queryset = queryset.filter(pk__in=queryset.model.objects.filter(groups__name=value))
        return queryset
