import django_filters
from django import forms

from .models import SyncRun
from .registry import RESOURCE_CHOICES


class SyncRunFilterSet(django_filters.FilterSet):
    resource = django_filters.ChoiceFilter(choices=RESOURCE_CHOICES)
    status = django_filters.ChoiceFilter(choices=SyncRun.Status.choices)
    source = django_filters.ChoiceFilter(choices=SyncRun.Source.choices)
    batch = django_filters.CharFilter(label="Batch")

    class Meta:
        model = SyncRun
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
