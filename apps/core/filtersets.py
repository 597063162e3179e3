import django_filters
from django import forms


class BootstrapFilterSet(django_filters.FilterSet):
    """A FilterSet whose form fields carry Bootstrap's small form classes (the list pages' filter column)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.form.fields.values():
            select = isinstance(field.widget, forms.Select)
            field.widget.attrs.setdefault(
                "class", "form-select form-select-sm" if select else "form-control form-control-sm"
            )
