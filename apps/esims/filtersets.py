import django_filters
from django import forms
from django.db.models import Q

from .choices import EsimProfileStatus
from .models import EsimProfile


class EsimProfileFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search", label="Search", widget=forms.TextInput(attrs={"placeholder": "SID, ICCID, EID"})
    )
    status = django_filters.MultipleChoiceFilter(
        choices=EsimProfileStatus.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = EsimProfile
        fields: list[str] = []

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.form.fields["q"].widget.attrs.setdefault("class", "form-control form-control-sm")

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(sid__iexact=value)
            | Q(iccid__startswith=value)
            | Q(eid__startswith=value)
            | Q(sim_id=value)  # a foreign key by SID: exact (``iexact`` does not apply to it)
        )
