import django_filters
from django import forms
from django.contrib.auth import get_user_model

from .jobs import job_kinds
from .models import Job


class BootstrapFilterSet(django_filters.FilterSet):
    """A FilterSet whose form fields carry Bootstrap's small form classes (the list pages' filter column)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.form.fields.values():
            select = isinstance(field.widget, forms.Select)
            field.widget.attrs.setdefault(
                "class", "form-select form-select-sm" if select else "form-control form-control-sm"
            )


class LiveRowsMixin:
    """Rows removed upstream are hidden unless the ``removed`` filter (:func:`removed_filter`) asks for them
    (also when no filter is bound). It comes first: ``class X(LiveRowsMixin, BootstrapFilterSet)``."""

    @property
    def qs(self):
        if not hasattr(self, "_qs_live"):
            qs = super().qs
            show = self.form.cleaned_data.get("removed") if self.is_bound and self.form.is_valid() else ""
            self._qs_live = qs if show else qs.filter(removed_at__isnull=True)
        return self._qs_live

    def filter_removed(self, queryset, name, value):
        return queryset.filter(removed_at__isnull=False) if value == "only" else queryset


def removed_filter(**kwargs) -> django_filters.ChoiceFilter:
    """The ``removed`` filter of :class:`LiveRowsMixin` (extra keyword arguments, e.g. ``widget=``, go on)."""
    return django_filters.ChoiceFilter(
        method="filter_removed",
        label="Removed upstream",
        empty_label="Hide removed",
        choices=[("all", "Show removed too"), ("only", "Only removed")],
        **kwargs,
    )


def date_range_filters(
    field_name: str, *, times: bool = False, labels: tuple[str, str] = ("From", "Until")
) -> tuple[django_filters.Filter, django_filters.Filter]:
    """The ``since`` / ``until`` pair of a list's filters over ``field_name``
    (``since, until = date_range_filters("timestamp")``): days, both included (``date__gte`` /
    ``date__lte``, date inputs), or with ``times=True`` instants, ``since`` included and ``until`` not
    (``gte`` / ``lt``, ISO date-times, datetime-local inputs)."""
    if times:
        make, lookups, widget = django_filters.IsoDateTimeFilter, ("gte", "lt"), forms.DateTimeInput
        input_type = "datetime-local"
    else:
        make, lookups, widget = django_filters.DateFilter, ("date__gte", "date__lte"), forms.DateInput
        input_type = "date"
    return tuple(
        make(
            field_name=field_name, lookup_expr=lookup, label=label, widget=widget(attrs={"type": input_type})
        )
        for lookup, label in zip(lookups, labels, strict=True)
    )


class JobFilterSet(BootstrapFilterSet):
    """The jobs index: by kind (every registered handler), status, and who started the job."""

    kind = django_filters.ChoiceFilter(choices=lambda: [(k, k) for k in job_kinds()], empty_label="Any kind")
    status = django_filters.ChoiceFilter(choices=Job.Status.choices, empty_label="Any status")
    user = django_filters.ModelChoiceFilter(
        field_name="created_by",
        label="Started by",
        to_field_name="username",
        empty_label="Anyone",
        queryset=lambda request: (
            get_user_model().objects.filter(jobs__isnull=False).distinct().order_by("username")
        ),
    )

    class Meta:
        model = Job
        fields: list[str] = []
