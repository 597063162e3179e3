import django_tables2 as tables
from django.test import RequestFactory
from django_tables2 import utils

from apps.core.apps import cache_tables2_signatures


class Record:
    def __init__(self, name):
        self.name = name


class Table(tables.Table):
    name = tables.Column()
    shout = tables.Column(accessor="name", empty_values=())

    class Meta:
        row_attrs = {"data-name": lambda record: record.name}

    def render_name(self, value):
        return f"<{value}>"

    def render_shout(self, value, record, **kwargs):
        return f"{value.upper()}!{len(kwargs)}"


def test_signatures_are_remembered_and_unchanged():
    cache_tables2_signatures()  # idempotent: the app registry did it already
    assert getattr(utils.signature, "cached", False)
    table = Table([Record("a")])
    assert utils.signature(table.render_name) == (("value",), None)
    assert utils.signature(table.render_shout) == (("value", "record"), "kwargs")
    assert utils.signature(lambda record: record) == (("record",), None)
    assert utils.signature(Table.render_name) == (("self", "value"), None)  # unbound: self kept


def test_tables_render_as_before():
    table = Table([Record("a"), Record("b")])
    table.request = RequestFactory().get("/")
    html = table.as_html(table.request)
    assert "&lt;a&gt;" in html and "A!" in html and 'data-name="b"' in html
