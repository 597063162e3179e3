import django_filters
from django.db.models import Q

from apps.core.filtersets import BootstrapFilterSet, date_range_filters

from .choices import Direction, IpCommandStatus, SmsCommandStatus
from .models import IpCommand, SmsCommand


class _CommandFilterSet(BootstrapFilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    direction = django_filters.ChoiceFilter(choices=Direction.choices)
    sim = django_filters.CharFilter(method="by_sim", label="SIM (SID or ICCID)")
    created_after, created_before = date_range_filters("date_created", labels=("From", "To"))

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(sid=value) | Q(payload__icontains=value))

    def by_sim(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(sim_id=value) | Q(sim__iccid=value))


class SmsCommandFilterSet(_CommandFilterSet):
    status = django_filters.ChoiceFilter(choices=SmsCommandStatus.choices)

    class Meta:
        model = SmsCommand
        fields: list[str] = []


class IpCommandFilterSet(_CommandFilterSet):
    status = django_filters.ChoiceFilter(choices=IpCommandStatus.choices)
    payload_type = django_filters.ChoiceFilter(choices=[("text", "Text"), ("binary", "Binary")])

    class Meta:
        model = IpCommand
        fields: list[str] = []

    def by_sim(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(sim_id=value) | Q(sim_iccid=value))
