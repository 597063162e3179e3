import django_filters

from apps.core.filtersets import BootstrapFilterSet

from .models import SyncRun
from .registry import RESOURCE_CHOICES


class SyncRunFilterSet(BootstrapFilterSet):
    resource = django_filters.ChoiceFilter(choices=RESOURCE_CHOICES)
    status = django_filters.ChoiceFilter(choices=SyncRun.Status.choices)
    source = django_filters.ChoiceFilter(choices=SyncRun.Source.choices)
    batch = django_filters.CharFilter(label="Batch")

    class Meta:
        model = SyncRun
        fields: list[str] = []
