"""List filters for annotations, mixed into a synced object's FilterSet (SIMs, fleets).

``class SimFilterSet(AnnotationFilterMixin, LiveRowsMixin, BootstrapFilterSet)`` with
``annotation_object_type = "sim"`` adds ``tag`` (several) with ``tag_mode`` (any / all / none) and one
``cf_<name>`` filter per custom field of that object type (an exact value, parsed by the field's type;
``-`` finds objects without a value). The filters are added per instance (custom fields are rows), before
the form is built.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.core.exceptions import ValidationError

from .models import CustomField, Tag
from .selectors import TAG_MODES, custom_fields, filter_by_custom_field, filter_by_tags

NO_VALUE = "-"


class CustomValueField(forms.CharField):
    """A filter's form field: the text parsed by the custom field's type (``-``: no value)."""

    def __init__(self, *args, custom_field: CustomField, **kwargs):
        self.custom_field = custom_field
        super().__init__(*args, **kwargs)

    def clean(self, value):
        from .services import custom_value_parse

        value = super().clean(value)
        if value in (None, ""):
            return None
        if value.strip() == NO_VALUE:
            return ""
        try:
            return custom_value_parse(field=self.custom_field, raw=value)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from None


class CustomValueFilter(django_filters.Filter):
    field_class = CustomValueField

    def filter(self, qs, value):
        if value is None:
            return qs
        return filter_by_custom_field(qs, field=self.extra["custom_field"], value=value)


def _custom_filter(field: CustomField) -> CustomValueFilter:
    attrs = {"placeholder": f"{NO_VALUE} for none"}
    if field.field_type == "boolean":
        widget = forms.Select(choices=[("", "Any"), ("true", "Yes"), ("false", "No"), (NO_VALUE, "No value")])
    elif field.field_type == "choice":
        choices = [("", "Any"), *[(c, c) for c in field.choices], (NO_VALUE, "No value")]
        widget = forms.Select(choices=choices)
    elif field.field_type == "date":
        widget = forms.TextInput(attrs={**attrs, "placeholder": "YYYY-MM-DD"})
    else:
        widget = forms.TextInput(attrs=attrs)
    return CustomValueFilter(label=field.label, widget=widget, custom_field=field)


class AnnotationFilterMixin:
    """Adds the tag and custom field filters (see the module's docstring)."""

    annotation_object_type = ""

    def _add_annotation_filters(self) -> None:
        if getattr(self, "_annotation_filters_added", False):
            return
        self._annotation_filters_added = True
        extra = {
            "tag": django_filters.ModelMultipleChoiceFilter(
                queryset=Tag.objects.order_by("name"),
                label="Tags",
                method=self.filter_tags,
                widget=forms.SelectMultiple(attrs={"size": 4, "class": "form-select form-select-sm"}),
            ),
            "tag_mode": django_filters.ChoiceFilter(
                choices=TAG_MODES, label="Tag match", empty_label=None, method=lambda qs, name, value: qs
            ),
        }
        for field in custom_fields(self.annotation_object_type):
            extra[field.param] = _custom_filter(field)
        for name, filter_ in extra.items():
            filter_.model = self._meta.model
            filter_.field_name = name if filter_.field_name is None else filter_.field_name
            filter_.parent = self
            self.filters[name] = filter_

    def get_form_class(self):
        self._add_annotation_filters()
        return super().get_form_class()

    def filter_tags(self, queryset, name, value):
        if not value:
            return queryset
        mode = self.form.cleaned_data.get("tag_mode") or "any"
        return filter_by_tags(queryset, tag_ids=[t.pk for t in value], mode=mode)
