"""The generic upsert/sweep machinery (exercised on the Sim model)."""

import datetime as dt

import pytest

from apps.core import upsert
from apps.core.choices import badge_class
from apps.core.upsert import UpsertResult, bulk_upsert, content_hash, parse_dt, sweep
from apps.sims.models import Sim

NOW = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(hours=1)


def rows(n, *, status="active", start=0):
    out = []
    for i in range(start, start + n):
        raw = {"sid": f"HS{i:032x}", "status": status, "unique_name": f"sim-{i}"}
        out.append({"sid": raw["sid"], "raw": raw, "status": status, "unique_name": raw["unique_name"]})
    return out


def test_result_addition():
    total = UpsertResult(1, 2, 3) + UpsertResult(created=10, unchanged=1)
    assert total == UpsertResult(created=11, updated=2, unchanged=4)
    assert total.total == 17


def test_content_hash_is_canonical():
    assert content_hash({"a": 1, "b": [1, 2]}) == content_hash({"b": [1, 2], "a": 1})
    assert content_hash({"a": 1}) != content_hash({"a": 2})
    assert len(content_hash({})) == 40


def test_parse_dt():
    assert parse_dt("2024-05-01T12:00:00Z") == NOW
    assert parse_dt(None) is None
    assert parse_dt("") is None
    assert parse_dt("not a date") is None


def test_badge_class():
    assert badge_class("active") == "text-bg-success"
    assert badge_class("failed") == "text-bg-danger"
    assert badge_class("something-else") == "text-bg-secondary"
    assert badge_class(None) == "text-bg-secondary"


@pytest.mark.django_db
def test_created_updated_unchanged():
    assert bulk_upsert(model=Sim, rows=rows(5), run_id=1, now=NOW) == UpsertResult(created=5)
    sim = Sim.objects.get(sid=f"HS{0:032x}")
    assert sim.last_seen_run_id == 1 and sim.synced_at == NOW and sim.content_hash
    changed = rows(5)
    changed[0]["raw"] = {**changed[0]["raw"], "status": "inactive"}
    changed[0]["status"] = "inactive"
    result = bulk_upsert(model=Sim, rows=changed + rows(2, start=5), run_id=2, now=LATER)
    assert result == UpsertResult(created=2, updated=1, unchanged=4)
    assert Sim.objects.get(sid=f"HS{0:032x}").status == "inactive"
    assert set(Sim.objects.values_list("last_seen_run_id", flat=True)) == {2}


@pytest.mark.django_db
def test_unchanged_rows_are_not_rewritten():
    bulk_upsert(model=Sim, rows=rows(3), run_id=1, now=NOW)
    # same raw, different typed value: content_hash says unchanged, so the row is not written
    same = rows(3)
    same[0]["unique_name"] = "tampered"
    assert bulk_upsert(model=Sim, rows=same, run_id=2, now=LATER) == UpsertResult(unchanged=3)
    sim = Sim.objects.get(sid=f"HS{0:032x}")
    assert sim.unique_name == "sim-0"
    assert sim.synced_at == NOW  # not rewritten
    assert sim.last_seen_run_id == 2  # but stamped as seen


@pytest.mark.django_db
def test_duplicate_keys_in_a_page_last_wins():
    page = rows(2) + rows(1, status="inactive")
    assert bulk_upsert(model=Sim, rows=page, run_id=1, now=NOW) == UpsertResult(created=2)
    assert Sim.objects.get(sid=f"HS{0:032x}").status == "inactive"


@pytest.mark.django_db
def test_sweep_marks_only_unseen_and_never_deletes():
    bulk_upsert(model=Sim, rows=rows(4), run_id=1, now=NOW)
    bulk_upsert(model=Sim, rows=rows(2), run_id=2, now=LATER)
    assert sweep(model=Sim, run_id=2, now=LATER) == 2
    assert Sim.objects.count() == 4
    assert set(Sim.objects.filter(removed_at__isnull=False).values_list("unique_name", flat=True)) == {
        "sim-2",
        "sim-3",
    }
    # a second sweep of the same run touches nothing (already removed)
    assert sweep(model=Sim, run_id=2, now=LATER) == 0


@pytest.mark.django_db
def test_sweep_scope():
    bulk_upsert(model=Sim, rows=rows(2), run_id=1, now=NOW)
    bulk_upsert(model=Sim, rows=rows(2, status="inactive", start=2), run_id=1, now=NOW)
    assert sweep(model=Sim, run_id=99, now=LATER, status="inactive") == 2
    assert Sim.objects.filter(removed_at__isnull=True).count() == 2


@pytest.mark.django_db
def test_removed_row_is_restored_when_seen_again():
    bulk_upsert(model=Sim, rows=rows(2), run_id=1, now=NOW)
    sweep(model=Sim, run_id=2, now=NOW)
    assert Sim.objects.filter(removed_at__isnull=False).count() == 2
    result = bulk_upsert(model=Sim, rows=rows(2), run_id=3, now=LATER)
    assert result == UpsertResult(updated=2)
    assert Sim.objects.filter(removed_at__isnull=True, last_seen_run_id=3).count() == 2


@pytest.mark.django_db
def test_in_lists_are_chunked(monkeypatch):
    monkeypatch.setattr(upsert, "IN_CHUNK", 3)
    assert bulk_upsert(model=Sim, rows=rows(10), run_id=1, now=NOW) == UpsertResult(created=10)
    page = rows(10)
    page[9]["raw"] = {**page[9]["raw"], "x": 1}
    assert bulk_upsert(model=Sim, rows=page, run_id=2, now=LATER) == UpsertResult(updated=1, unchanged=9)
    assert Sim.objects.filter(last_seen_run_id=2).count() == 10


@pytest.mark.django_db
def test_empty_page_does_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert bulk_upsert(model=Sim, rows=[], run_id=1, now=NOW) == UpsertResult()


@pytest.mark.django_db
@pytest.mark.parametrize("n", [10, 200])
def test_query_count_is_constant(n, django_assert_num_queries):
    # savepoint + select existing + insert/upsert + release
    with django_assert_num_queries(4):
        bulk_upsert(model=Sim, rows=rows(n), run_id=1, now=NOW)
    # savepoint + select existing + update last_seen_run_id + release
    with django_assert_num_queries(4):
        bulk_upsert(model=Sim, rows=rows(n), run_id=2, now=NOW)
    page = rows(n)
    page[0]["raw"] = {**page[0]["raw"], "x": 1}
    # mixed page: savepoint + select + upsert + update + release
    with django_assert_num_queries(5):
        bulk_upsert(model=Sim, rows=page + rows(n, start=n), run_id=3, now=NOW)


@pytest.mark.django_db
def test_fields_missing_from_rows_get_defaults_and_are_left_alone_on_update():
    bulk_upsert(model=Sim, rows=rows(1), run_id=1, now=NOW)
    sim = Sim.objects.get()
    assert sim.iccid == "" and sim.fleet_id is None  # defaults on insert
    Sim.objects.update(iccid="8988")
    page = rows(1, status="inactive")
    bulk_upsert(model=Sim, rows=page, run_id=2, now=LATER)
    sim.refresh_from_db()
    assert sim.status == "inactive" and sim.iccid == "8988"  # not in the rows: untouched
