"""Form widgets shared by every app."""

from __future__ import annotations

from django import forms
from django.urls import reverse
from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe


class FastSelect(forms.Select):
    """A single select rendered in Python: Django renders each <option> through a template include, which
    costs ~0.1 ms per option - 100 ms for a list of 1,000 fleets on every SIM page."""

    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = {"name": name, **self.build_attrs(self.attrs, attrs)}  # Django's attribute order
        chosen = "" if value is None else str(value)
        options = []
        for option_value, label in self.choices:
            option_value = "" if option_value is None else str(option_value)
            selected = " selected" if option_value == chosen else ""
            # escaped as format_html would, without its per-call overhead (~450 options on a SIM page)
            text = conditional_escape(label)
            options.append(f'<option value="{escape(option_value)}"{selected}>{text}</option>')
        return _select_html(final_attrs, options)


class TypeAheadSelect(forms.Select):
    """A select over a model too big to list (10,000 fleets): rendered with the empty choice and the CHOSEN
    option only, and a ``data-typeahead-url`` that ``static/js/typeahead.js`` (Tom Select) asks for the
    options matching what the person types (``?q=``: ``{"results": [{"value", "text"}]}``). Without
    JavaScript it still submits the chosen value (and the empty one).

    For a ``ModelChoiceField`` / ``ModelChoiceFilter``: the chosen value's label is read with one query on the
    field's queryset (``to_field_name``), never by iterating its choices; for a plain field (a ``CharField``
    holding a SID), on ``model`` by ``to_field``. ``url`` is a URL name; ``params`` a query string added to
    it.
    """

    def __init__(
        self,
        *,
        url: str,
        placeholder: str = "Type to search",
        model=None,
        to_field: str = "sid",
        params: str = "",
        attrs=None,
    ):
        super().__init__(attrs=attrs)
        self.url = url
        self.params = params
        self.placeholder = placeholder
        self.model = model
        self.to_field = to_field

    def chosen(self, value) -> tuple[str, str] | None:
        """(value, label) of the chosen option, or None."""
        if value in (None, "", []):
            return None
        if isinstance(value, list | tuple):
            value = value[0]
        value = str(getattr(value, "pk", value))
        iterator = self.choices
        field = getattr(iterator, "field", None)
        if field is None and self.model is None:  # plain choices: look them up (a short list)
            return next(((str(v), str(label)) for v, label in iterator if str(v) == value), None)
        if field is None:
            queryset, to_field, label = self.model._default_manager.all(), self.to_field, str
        else:
            queryset, to_field, label = field.queryset, field.to_field_name or "pk", field.label_from_instance
        try:
            obj = queryset.filter(**{to_field: value}).first()
        except (ValueError, TypeError):
            return None
        if obj is None:
            return None
        return value, str(label(obj))

    def empty_label(self) -> str | None:
        field = getattr(self.choices, "field", None)
        if field is not None:
            return field.empty_label
        for value, label in self.choices:
            if value in ("", None):
                return str(label)
        return None

    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = {
            "name": name,
            **self.build_attrs(self.attrs, attrs),
            "data-typeahead-url": reverse(self.url) + (f"?{self.params}" if self.params else ""),
            "data-placeholder": self.placeholder,
        }
        options = []
        empty = self.empty_label()
        chosen = self.chosen(value)
        if empty is not None or not self.is_required:
            options.append(f'<option value="">{escape(empty or "")}</option>')
        if chosen:
            options.append(f'<option value="{escape(chosen[0])}" selected>{escape(chosen[1])}</option>')
        return _select_html(final_attrs, options)


def _select_html(final_attrs: dict, options: list[str]) -> str:
    """``<select>`` with ``final_attrs`` written as django/forms/widgets/attrs.html writes them (in order;
    True: bare, False or None: left out) around ``options`` (already escaped)."""
    html_attrs = "".join(
        f" {escape(key)}" if val is True else f' {escape(key)}="{escape(val)}"'
        for key, val in final_attrs.items()
        if val is not False and val is not None
    )
    return mark_safe(f"<select{html_attrs}>{''.join(options)}</select>")  # noqa: S308 - escaped by callers
