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
    AuditEvent.objects.create(  # the audit table's own cells (fast_cells): every branch
        action="fleet.update",
        object_type="fleet",
        object_repr="<i>f</i>",
        object_url="/fleets/HF1/",
        request_id="0123456789abcdef",
        message="m" * 200,
        source=AuditEvent.Source.SYNC,
    )
    AuditEvent.objects.create(action="", object_repr="no type")
    request = RequestFactory().get("/audit/")
    request.user = AnonymousUser()

    def render(template_name):
        table = AuditEventTable(AuditEvent.objects.order_by("id"), template_name=template_name)
        return table.as_html(request)

    ours, theirs = render("core/_table.html"), render("django_tables2/bootstrap5.html")
    assert _tbody(ours) == _tbody(theirs)
    assert "&lt;script&gt;" in ours and "<script>x" not in ours
    assert "table-danger" in ours and "op &lt;b&gt;" in ours
    assert "fleet: &lt;i&gt;f&lt;/i&gt;" in ours and "request_id=0123456789abcdef" in ours and "Sync" in ours


def test_datetime_column_renders_what_django_tables2s_does():
    """apps.core.tables.DateTimeColumn (no template per cell) against django-tables2's own, in a
    timezone that is not UTC, with a format, the default format, and an empty value."""
    import datetime as dt

    from django.utils import timezone

    from apps.core.tables import DateTimeColumn

    class Ours(tables.Table):
        at = DateTimeColumn(format="Y-m-d H:i:s")
        short = DateTimeColumn(accessor="at")

    class Theirs(tables.Table):
        at = tables.DateTimeColumn(format="Y-m-d H:i:s")
        short = tables.DateTimeColumn(accessor="at")

    records = [{"at": dt.datetime(2024, 5, 1, 23, 30, 5, tzinfo=dt.UTC)}, {"at": None}]
    request = RequestFactory().get("/")
    with timezone.override("Europe/Amsterdam"):
        ours = _tbody(Ours(records, template_name="core/_table.html").as_html(request))
        theirs = _tbody(Theirs(records, template_name="django_tables2/bootstrap5.html").as_html(request))
        exported = list(Ours(records).as_values())
    assert ours == theirs
    assert "2024-05-02 01:30:05" in ours  # in the current timezone
    assert exported[1][0] == "2024-05-01 23:30:05+00:00"  # exports: django-tables2's isoformat


def test_td_attributes_with_callables_are_worked_out_per_row():
    """``{% table_row %}`` remembers a column's <td> attributes per table render only where they are the
    same on every row; attributes computed from the record still are, row by row."""

    class Marked(tables.Table):
        name = tables.Column(attrs={"td": {"data-name": lambda record: record.name}})
        same = tables.Column(accessor="name", attrs={"td": {"class": "mono"}})

    request = RequestFactory().get("/")
    records = [Record("a"), Record("b")]
    html = Marked(records, template_name="core/_table.html").as_html(request)
    theirs = Marked(records, template_name="django_tables2/bootstrap5.html").as_html(request)
    assert _tbody(html) == _tbody(theirs)
    assert 'data-name="a"' in html and 'data-name="b"' in html and html.count('class="mono"') == 2
