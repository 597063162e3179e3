"""FastSelect: the same <select> as Django's Select, written without a template per option."""

import re

from django import forms

from apps.core.widgets import FastSelect

ATTRS = {"class": "form-select", "hx-get": "/sims/?a=1&b=2", "disabled": True, "required": False}


def _normalise(html: str) -> str:
    return re.sub(r">\s+<", "><", html).strip()


def test_fast_select_renders_what_djangos_select_renders():
    choices = [("", "Any fleet"), ("HF1", 'fleet <b>"one"</b> & co'), ('a"b', "quoted value"), (3, "three")]
    for value in ("HF1", 'a"b', "3", None):
        ours = FastSelect(attrs=ATTRS, choices=choices).render("fleet", value)
        django = forms.Select(attrs=ATTRS, choices=choices).render("fleet", value)
        assert _normalise(ours) == _normalise(django), value
    assert "&lt;b&gt;&quot;one&quot;&lt;/b&gt; &amp; co" in ours and 'value="a&quot;b"' in ours
