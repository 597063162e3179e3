import django_filters
from django import forms
from django.db.models import Q
from django.http import QueryDict

from apps.core.filtersets import BootstrapFilterSet

from .models import Alert, AlertRule, Channel, Condition, Scope

STATE_CHOICES = [
    ("active", "Open or acknowledged"),
    ("open", "Open"),
    ("acknowledged", "Acknowledged"),
    ("resolved", "Resolved"),
    ("all", "All"),
]


class AlertFilterSet(BootstrapFilterSet):
    state = django_filters.ChoiceFilter(
        choices=STATE_CHOICES, method="filter_state", empty_label=None, label="State"
    )
    rule = django_filters.ModelChoiceFilter(queryset=AlertRule.objects.order_by("name").only("id", "name"))
    scope = django_filters.ChoiceFilter(choices=Scope.choices, field_name="rule__scope", label="Rule scope")
    sim = django_filters.CharFilter(
        method="filter_sim",
        label="SIM",
        widget=forms.TextInput(attrs={"placeholder": "SID, ICCID or name"}),
    )

    class Meta:
        model = Alert
        fields: list[str] = []

    def __init__(self, data=None, *args, **kwargs):
        data = data.copy() if data is not None else QueryDict(mutable=True)
        if not data.get("state"):
            data["state"] = "all" if data.get("id") else "active"  # a notification's link shows its alert
        super().__init__(data, *args, **kwargs)

    def filter_state(self, queryset, name, value):
        if value == "active":
            return queryset.filter(state__in=Alert.ACTIVE)
        if value in ("open", "acknowledged", "resolved"):
            return queryset.filter(state=value)
        return queryset

    def filter_sim(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        sims = queryset.filter(subject_type="sim")
        if value.upper().startswith("HS"):
            return sims.filter(subject_id=value)
        return sims.filter(Q(subject_label__icontains=value))


class AlertRuleFilterSet(BootstrapFilterSet):
    condition = django_filters.ChoiceFilter(choices=Condition.choices)
    scope = django_filters.ChoiceFilter(choices=Scope.choices)
    enabled = django_filters.BooleanFilter()

    class Meta:
        model = AlertRule
        fields: list[str] = []


class ChannelFilterSet(BootstrapFilterSet):
    kind = django_filters.ChoiceFilter(choices=Channel.Kind.choices)
    failing = django_filters.BooleanFilter()

    class Meta:
        model = Channel
        fields: list[str] = []
