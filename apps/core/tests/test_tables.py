"""apps.core.tables.BaseTable: every table of the project subclasses it, and its row writer (one path,
``core/_table.html`` -> ``BaseTable.row_html``) writes the same rows as django-tables2's own template."""

import datetime as dt
import importlib
import re

import django_tables2 as tables
import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.utils import timezone

from apps.core.tables import BaseTable, DateTimeColumn, SelectColumn

AT = dt.datetime(2024, 5, 1, 23, 30, 5, tzinfo=dt.UTC)


def project_tables() -> list[type]:
    """Every table class of the project: the concrete ``Table`` subclasses in each app's ``tables.py``."""
    found = []
    for config in django_apps.get_app_configs():
        if not config.name.startswith("apps."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.tables")
        except ModuleNotFoundError:
            continue
        found += [
            value
            for name, value in vars(module).items()
            if isinstance(value, type)
            and issubclass(value, tables.Table)
            and value.__module__ == module.__name__
            and value._meta.model is not None  # a concrete table (not a shared base of columns)
        ]
    return found


def _tbody(html: str) -> str:
    body = html[html.index("<tbody") : html.index("</tbody>")]
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", body)).strip()


# --- representative rows per model: every value filled in (links, dates, booleans true), and sparse ------
def _rows_jobs():
    from apps.core.models import Job
    from apps.core.testing import make_user

    user = make_user("job-starter", "operator")
    Job.objects.create(kind="sims.update", title="Rename <b>", created_by=user, total=4, processed=2)
    Job.objects.create(kind="sims.update", title="", status=Job.Status.FAILED)
    return Job.objects.select_related("created_by").order_by("id")


def _rows_audit():
    from apps.audit.models import AuditEvent

    AuditEvent.objects.create(action="sim.rename", username="op <b>", message="<script>x</script>", success=0)
    AuditEvent.objects.create(action="auth.login", username="admin", object_type="sim", object_id="HS1")
    AuditEvent.objects.create(
        action="fleet.update",
        object_type="fleet",
        object_repr="<i>f</i>",
        object_url="/fleets/HF1/",
        request_id="0123456789abcdef",
        message="m" * 200,
        source=AuditEvent.Source.SYNC,
    )
    AuditEvent.objects.create(action="", object_repr="no type")
    return AuditEvent.objects.order_by("id")


def _rows_sims():
    from apps.events.models import SimConnectionState
    from apps.events.selectors import annotate_connection
    from apps.sims.models import Sim
    from apps.sims.tests.factories import SimFactory

    SimFactory(unique_name="<full>", date_created=AT, removed_at=AT)
    SimFactory(unique_name="", fleet=None, status="inactive", date_created=AT)
    SimFactory(fleet=None, fleet_id="HF" + "9" * 32, date_created=AT)  # a fleet not synced
    online, offline = SimFactory(date_created=AT), SimFactory(date_created=AT)
    now = timezone.now()
    SimConnectionState.objects.create(
        sim_sid=online.sid, last_seen_at=now, attached_at=now, network_name="<Net>", iso_country="US"
    )
    SimConnectionState.objects.create(sim_sid=offline.sid, last_seen_at=AT, network_sid="HW1")
    records = list(Sim.objects.select_related("fleet__network_access_profile").order_by("id"))
    annotate_connection(records)
    return records


def _rows_fleets():
    from apps.fleets.models import Fleet
    from apps.fleets.tests.factories import FleetFactory
    from apps.sims.tests.factories import SimFactory

    fleet = FleetFactory(unique_name="<f>", date_created=AT, sms_commands_enabled=False)
    SimFactory(fleet=fleet, date_created=AT)
    FleetFactory(unique_name="", network_access_profile=None, data_limit=None, removed_at=AT, date_created=AT)
    return Fleet.objects.select_related("network_access_profile").order_by("id")


def _rows_fleet_sims():
    from apps.sims.models import Sim
    from apps.sims.tests.factories import SimFactory

    SimFactory(unique_name="<s>", date_created=AT)
    SimFactory(unique_name="", status="new", date_created=AT)
    return Sim.objects.order_by("id")


def _rows_networks():
    from apps.networks.selectors import network_list_queryset
    from apps.networks.tests.factories import NetworkAccessProfileNetworkFactory, NetworkFactory

    NetworkAccessProfileNetworkFactory(network=NetworkFactory(iso_country="NL"))
    NetworkFactory(iso_country="", identifiers=[])
    return list(network_list_queryset())


def _rows_naps():
    from apps.networks.models import NetworkAccessProfile
    from apps.networks.tests.factories import NetworkAccessProfileFactory

    NetworkAccessProfileFactory(unique_name="<n>", date_created=AT)
    NetworkAccessProfileFactory(unique_name="", removed_at=AT)
    records = list(NetworkAccessProfile.objects.order_by("sid"))
    for i, record in enumerate(records):
        record.network_count, record.fleet_count = i, 0
    return records


def _rows_connection_events():
    from apps.events.models import ConnectionEvent

    ConnectionEvent.objects.create(
        event_sid="E1", ce_type="x", type="attachment-rejected", timestamp=AT, sim_sid="HS1",
        error_code="20001", network_name="<n>",
    )  # fmt: skip
    ConnectionEvent.objects.create(
        event_sid="E2", ce_type="x", type="data-session-started", timestamp=AT, sim_sid="HS2",
        sim_unique_name="s", imei="123", data_download=10,
    )  # fmt: skip
    return ConnectionEvent.objects.order_by("id")


def _rows_dead_letters():
    from apps.events.models import DeadLetter

    DeadLetter.objects.create(reason="bad <json>", member="{" * 300)
    DeadLetter.objects.create(reason="", member="")
    return DeadLetter.objects.order_by("id")


def _rows_esims():
    from apps.esims.models import EsimProfile
    from apps.esims.tests.factories import EsimProfileFactory

    EsimProfileFactory(date_created=AT)
    EsimProfileFactory(sim=None, sim_id="HS" + "8" * 32, iccid="", date_created=None, matching_id="")
    return EsimProfile.objects.select_related("sim").order_by("id")


def _rows_sync_runs():
    from apps.sync.models import SyncRun

    SyncRun.objects.create(resource="sims", started_at=AT, finished_at=AT, items=3, error="e" * 200)
    SyncRun.objects.create(resource="sim_details", scope="HS1", status=SyncRun.Status.FAILED)
    return SyncRun.objects.order_by("id")


def _rows_users():
    from django.contrib.auth import get_user_model

    from apps.core.testing import make_user

    make_user("<viewer>", "viewer")
    admin = make_user("admin", "admin")
    admin.last_login = AT
    admin.is_superuser = True
    admin.save()
    users = list(get_user_model().objects.prefetch_related("groups").order_by("id"))
    for i, user in enumerate(users):
        user.locked_out, user.mfa = bool(i), not i
    return users


def _rows_sms_commands():
    from apps.commands.models import SmsCommand
    from apps.commands.tests.factories import SmsCommandFactory

    SmsCommandFactory(payload="<hi>", date_created=AT)
    SmsCommandFactory(sim=None, payload="\x01\x7f", direction="from_sim", status="", date_created=AT)
    return SmsCommand.objects.order_by("id")


def _rows_ip_commands():
    from apps.commands.models import IpCommand
    from apps.commands.tests.factories import IpCommandFactory

    IpCommandFactory(payload="x" * 80, date_created=AT)
    IpCommandFactory(sim=None, sim_iccid="", date_created=AT)
    return IpCommand.objects.order_by("id")


def _rows_alerts():
    from apps.alerts.models import Alert
    from apps.alerts.tests.factories import rule
    from apps.core.testing import make_user

    on_sim = rule(name="80 % <b>")
    Alert.objects.create(
        rule=on_sim,
        subject_type="sim",
        subject_id="HS" + "0" * 32,
        subject_label="truck <1>",
        message="at 85 %",
        acknowledged_by=make_user("acker", "operator"),
        acknowledged_at=AT,
        state="acknowledged",
        opened_at=AT,
    )
    Alert.objects.create(rule=on_sim, subject_type="sync", subject_id="sims", opened_at=AT, resolved_at=AT)
    return Alert.objects.select_related("rule", "acknowledged_by").order_by("id")


def _rows_alert_rules():
    from apps.alerts import selectors
    from apps.alerts.tests.factories import channel, rule

    rule(name="usage <80>", channels=[channel()])
    rule(name="silent", condition="offline", threshold=None, enabled=False)
    return selectors.rule_list_queryset().order_by("id")


def _rows_channels():
    from apps.alerts.models import Channel
    from apps.alerts.tests.factories import channel

    channel(name="hook <x>", kind="webhook", target="https://example.net/h?a=1&b=2", last_success_at=AT)
    channel(name="mail", kind="email", target="ops@example.net", failing=True, last_error="refused <550>")
    return Channel.objects.order_by("id")


ROWS = {
    "AlertTable": _rows_alerts,
    "AlertRuleTable": _rows_alert_rules,
    "ChannelTable": _rows_channels,
    "JobTable": _rows_jobs,
    "AuditEventTable": _rows_audit,
    "SimTable": _rows_sims,
    "FleetTable": _rows_fleets,
    "FleetSimTable": _rows_fleet_sims,
    "NetworkTable": _rows_networks,
    "NapTable": _rows_naps,
    "ConnectionEventTable": _rows_connection_events,
    "DeadLetterTable": _rows_dead_letters,
    "EsimProfileTable": _rows_esims,
    "SyncRunTable": _rows_sync_runs,
    "UserTable": _rows_users,
    "SmsCommandTable": _rows_sms_commands,
    "IpCommandTable": _rows_ip_commands,
}


def test_every_table_is_a_base_table_with_sample_rows():
    found = project_tables()
    assert len(found) >= len(ROWS)
    assert [t.__name__ for t in found if not issubclass(t, BaseTable)] == []
    assert sorted(t.__name__ for t in found) == sorted(ROWS)  # a new table brings its sample rows here


@pytest.mark.parametrize("table_class", project_tables(), ids=lambda t: t.__name__)
def test_rows_equal_django_tables2s_own_rendering(db, table_class):
    """The table's rows through its own template (core/_table.html: BaseTable.row_html) equal django-tables2's
    template's, in a timezone that is not UTC (dates), with links, booleans, escaping and empty values."""
    records = ROWS[table_class.__name__]()
    request = RequestFactory().get("/x/?sort=a")
    request.user = AnonymousUser()
    with timezone.override("Europe/Amsterdam"):
        ours = table_class(records).as_html(request)
        theirs = table_class(records, template_name="django_tables2/bootstrap5.html").as_html(request)
    assert _tbody(ours) == _tbody(theirs)
    assert _tbody(ours).count("<tr") >= 2  # the sample rows are there


def test_sim_rows_write_every_cell(db):
    """The SIM list's cells (once a hand-written row block): links, status badges, connection state."""
    from apps.sims.tables import SimTable

    request = RequestFactory().get("/sims/")
    html = SimTable(_rows_sims()).as_html(request)
    assert "&lt;full&gt;" in html and "removed</span>" in html
    assert (
        'data-online="1">online' in html
        and 'data-online="0">offline' in html
        and 'data-online="">never' in html
    )
    assert "&lt;Net&gt; (US)" in html and " ago</span>" in html
    assert f'<span class="mono small">HF{"9" * 32}</span>' in html  # a fleet not synced: its SID
    assert 'aria-label="Select 8988' in html and 'form="bulk-form"' in html


def test_datetime_column_renders_what_django_tables2s_does():
    """apps.core.tables.DateTimeColumn (no template per cell) against django-tables2's own, in a
    timezone that is not UTC, with a format, the default format, and an empty value."""

    class Ours(BaseTable):
        at = DateTimeColumn(format="Y-m-d H:i:s")
        short = DateTimeColumn(accessor="at")

    class Theirs(tables.Table):
        at = tables.DateTimeColumn(format="Y-m-d H:i:s")
        short = tables.DateTimeColumn(accessor="at")

    records = [{"at": AT}, {"at": None}]
    request = RequestFactory().get("/")
    with timezone.override("Europe/Amsterdam"):
        ours = _tbody(Ours(records).as_html(request))
        theirs = _tbody(Theirs(records, template_name="django_tables2/bootstrap5.html").as_html(request))
        exported = list(Ours(records).as_values())
    assert ours == theirs
    assert "2024-05-02 01:30:05" in ours  # in the current timezone
    assert exported[1][0] == "2024-05-01 23:30:05+00:00"  # exports: django-tables2's isoformat


class Record:
    def __init__(self, name):
        self.name = name


def test_td_attributes_with_callables_are_worked_out_per_row():
    """``BaseTable.row_html`` remembers a column's <td> attributes per table render only where they are the
    same on every row; attributes computed from the record still are, row by row."""

    class Marked(BaseTable):
        name = tables.Column(attrs={"td": {"data-name": lambda record: record.name}})
        same = tables.Column(accessor="name", attrs={"td": {"class": "mono"}})

    request = RequestFactory().get("/")
    records = [Record("a"), Record("b")]
    html = Marked(records).as_html(request)
    theirs = Marked(records, template_name="django_tables2/bootstrap5.html").as_html(request)
    assert _tbody(html) == _tbody(theirs)
    assert 'data-name="a"' in html and 'data-name="b"' in html and html.count('class="mono"') == 2


# --- accessible names (WCAG 1.3.1, 4.1.2): row checkboxes and links of the shared table helpers ----
class SidRecord:
    def __init__(self, sid):
        self.sid = sid


class PickTable(BaseTable):
    pick = SelectColumn(
        noun="thing", accessor="sid", attrs={"input": {"name": "sid", "class": "form-check-input"}}
    )
    sid = tables.Column()


def render(table) -> str:
    request = RequestFactory().get("/")
    return table.as_html(request)


def test_select_column_names_each_row_box_and_the_header_box():
    html = render(PickTable([SidRecord("XX1"), SidRecord("XX2")]))
    rows = re.findall(r'<input [^>]*name="sid"[^>]*>', html)
    assert len(rows) == 2
    assert 'aria-label="Select thing XX1"' in rows[0] and 'value="XX1"' in rows[0]
    assert 'aria-label="Select thing XX2"' in rows[1]
    header = re.search(r"<th [^>]*>\s*(<input [^>]*>)", html).group(1)
    assert 'aria-label="Select every thing on this page"' in header
    assert 'name="sid"' not in header  # the header box selects, it is not submitted


def test_select_column_keeps_labels_it_is_given():
    class Named(BaseTable):
        pick = SelectColumn(
            accessor="sid", attrs={"input": {"aria-label": "Pick me"}, "th__input": {"id": "all"}}
        )

    html = render(Named([SidRecord("XX1")]))
    assert 'aria-label="Pick me"' in html
    assert re.search(
        r'<input [^>]*id="all"[^>]*aria-label="Select every row on this page"', html
    ) or re.search(r'<input [^>]*aria-label="Select every row on this page"[^>]*id="all"', html)


@pytest.mark.django_db
def test_esim_list_rows_have_a_labelled_box_and_one_named_link_per_profile():
    from apps.esims.tables import EsimProfileTable
    from apps.esims.tests.factories import EsimProfileFactory

    esim = EsimProfileFactory()
    html = render(EsimProfileTable([esim]))
    assert f'aria-label="Select eSIM profile {esim.sid}"' in html
    # no link nested in a link (the browser would split it into an empty link)
    assert re.findall(r"<a [^>]*>(?:(?!</a>).)*<a ", html, flags=re.S) == []
    assert (
        len(re.findall(rf'<a [^>]*href="{re.escape(esim.get_absolute_url())}"[^>]*>{esim.sid}</a>', html))
        == 1
    )


def test_render_calls_with_signatures_read_once_equal_django_tables2s():
    """apps.core.tables._call_with_appropriate keeps each function's signature; what it calls with, and
    returns, equals django_tables2.utils.call_with_appropriate for every shape of render function."""
    from django_tables2.utils import call_with_appropriate

    from apps.core.tables import _call_with_appropriate

    class Renderer:
        def __init__(self, tag):
            self.tag = tag

        def render(self, value, record):
            return f"{self.tag}:{value}:{record}"

    def catch_all(value, **kwargs):
        return (value, sorted(kwargs))

    def needs_missing(value, bound_row):
        return value

    kwargs = {"value": 1, "record": "r", "column": "c", "table": "t"}
    for fn in (Renderer("a").render, Renderer("b").render, catch_all, needs_missing, lambda: "none"):
        for _ in range(2):  # the second call reads the kept signature
            assert _call_with_appropriate(fn, dict(kwargs)) == call_with_appropriate(fn, dict(kwargs))
    assert _call_with_appropriate(Renderer("b").render, dict(kwargs)) == "b:1:r"  # each instance's own self
    assert _call_with_appropriate(needs_missing, dict(kwargs)) is None
