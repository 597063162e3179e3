"""Form widgets shared by every app."""

from __future__ import annotations

from django import forms
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
        # attributes as django/forms/widgets/attrs.html writes them (in order; True: bare, False: left out)
        html_attrs = "".join(
            f" {escape(key)}" if val is True else f' {escape(key)}="{escape(val)}"'
            for key, val in final_attrs.items()
            if val is not False and val is not None
        )
        return mark_safe(f"<select{html_attrs}>{''.join(options)}</select>")  # noqa: S308 - escaped above
