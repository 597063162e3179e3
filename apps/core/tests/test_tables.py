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


def _tbody(html: str) -> str:
    import re

    body = html[html.index("<tbody") : html.index("</tbody>")]
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", body)).strip()


def test_core_table_rows_match_django_tables2_markup(db):
    """``{% table_row %}`` (core/_table.html) writes the same rows as django-tables2's own template: attrs,
    linkify, booleans, dates, escaping - checked on the audit table, which uses them all."""
    from django.contrib.auth.models import AnonymousUser

    from apps.audit.models import AuditEvent
    from apps.audit.tables import AuditEventTable

    AuditEvent.objects.create(action="sim.rename", username="op <b>", message="<script>x</script>", success=0)
    AuditEvent.objects.create(action="auth.login", username="admin", object_type="sim", object_id="HS1")
    request = RequestFactory().get("/audit/")
    request.user = AnonymousUser()

    def render(template_name):
        table = AuditEventTable(AuditEvent.objects.order_by("id"), template_name=template_name)
        return table.as_html(request)

    ours, theirs = render("core/_table.html"), render("django_tables2/bootstrap5.html")
    assert _tbody(ours) == _tbody(theirs)
    assert "&lt;script&gt;" in ours and "<script>x" not in ours
    assert "table-danger" in ours and "op &lt;b&gt;" in ours
