from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from .models import TAG_COLOURS, CustomField, FieldType, NoteKind, ObjectType, Tag
from .selectors import custom_value_text

SM = {"class": "form-control form-control-sm"}
SELECT = {"class": "form-select form-select-sm"}


class TagForm(forms.Form):
    name = forms.CharField(max_length=64, widget=forms.TextInput(attrs=SM))
    colour = forms.ChoiceField(
        choices=list(TAG_COLOURS.items()), initial="#6c757d", widget=forms.Select(attrs=SELECT)
    )
    description = forms.CharField(max_length=255, required=False, widget=forms.TextInput(attrs=SM))


class TagMergeForm(forms.Form):
    target = forms.ModelChoiceField(
        queryset=Tag.objects.none(), label="Merge into", widget=forms.Select(attrs=SELECT)
    )

    def __init__(self, *args, source: Tag, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = Tag.objects.exclude(pk=source.pk).order_by("name")


class ObjectTagForm(forms.Form):
    name = forms.CharField(
        max_length=64,
        label="Tag",
        widget=forms.TextInput(attrs={**SM, "list": "annotations-tag-names", "autocomplete": "off"}),
    )


class NoteForm(forms.Form):
    kind = forms.ChoiceField(
        choices=NoteKind.choices, initial=NoteKind.INFO, widget=forms.Select(attrs=SELECT)
    )
    text = forms.CharField(max_length=10_000, widget=forms.Textarea(attrs={**SM, "rows": 2}))


class CustomFieldForm(forms.ModelForm):
    choices_text = forms.CharField(
        label="Choices",
        required=False,
        help_text="For a choice field: one value per line.",
        widget=forms.Textarea(attrs={**SM, "rows": 3}),
    )

    class Meta:
        model = CustomField
        fields = [
            "object_type",
            "name",
            "label",
            "field_type",
            "required",
            "default",
            "description",
            "weight",
        ]
        widgets = {
            "object_type": forms.Select(attrs=SELECT),
            "field_type": forms.Select(attrs=SELECT),
            "name": forms.TextInput(attrs=SM),
            "label": forms.TextInput(attrs=SM),
            "default": forms.TextInput(attrs=SM),
            "description": forms.TextInput(attrs=SM),
            "weight": forms.NumberInput(attrs=SM),
            "required": forms.CheckboxInput(attrs={"class": "form-check-input"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["choices_text"].initial = "\n".join(self.instance.choices or [])
            self.fields["object_type"].disabled = True
            self.fields["name"].disabled = True  # the key of CSV columns and saved filters

    def clean_name(self):
        name = self.cleaned_data["name"].strip().lower().replace("-", "_")
        if not name.replace("_", "").isalnum() or not name[:1].isalpha():
            raise ValidationError("Lower-case letters, digits and _, starting with a letter.")
        return name

    def clean(self):
        data = super().clean()
        self.instance.choices = [
            c.strip() for c in (data.get("choices_text") or "").splitlines() if c.strip()
        ]
        return data


def _value_widget(field: CustomField):
    if field.field_type == FieldType.BOOLEAN:
        return forms.Select(choices=[("", "—"), ("true", "Yes"), ("false", "No")], attrs=SELECT)
    if field.field_type == FieldType.CHOICE:
        return forms.Select(choices=[("", "—"), *[(c, c) for c in field.choices]], attrs=SELECT)
    if field.field_type == FieldType.DATE:
        return forms.DateInput(attrs={**SM, "type": "date"})
    if field.field_type in (FieldType.INTEGER, FieldType.DECIMAL):
        return forms.TextInput(attrs={**SM, "inputmode": "decimal"})
    if field.field_type == FieldType.URL:
        return forms.URLInput(attrs=SM)
    return forms.TextInput(attrs=SM)


class ObjectCustomFieldsForm(forms.Form):
    """One input per custom field of the object type; cleaned values are typed (``None``: no value)."""

    def __init__(self, *args, fields: list[CustomField], values: dict[int, object], **kwargs):
        super().__init__(*args, **kwargs)
        self.custom_fields = {f.param: f for f in fields}
        for field in fields:
            current = values.get(field.pk)
            # no value yet: the field's default is offered (saved with the form)
            initial = custom_value_text(current) if current is not None else field.default
            self.fields[field.param] = forms.CharField(
                label=field.label,
                required=False,
                initial=initial,
                help_text=field.description,
                widget=_value_widget(field),
            )

    def clean(self):
        from .services import custom_value_parse

        data = super().clean()
        typed = {}
        for param, field in self.custom_fields.items():
            try:
                value = custom_value_parse(field=field, raw=data.get(param, ""))
            except ValidationError as exc:
                self.add_error(param, exc.messages)
                continue
            if value is None and field.required:
                self.add_error(param, "This field is required.")
                continue
            typed[field] = value
        self.typed_values = typed
        return data


OBJECT_TYPES = ObjectType.values
