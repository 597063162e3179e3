"""The generic upsert/sweep machinery (exercised on the Sim model)."""

import datetime as dt
import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core import upsert
from apps.core.choices import badge_class
from apps.core.upsert import (
    PagedUpsert,
    UpsertResult,
    bulk_upsert,
    canonical_json,
    content_hash,
    parse_dt,
    relaxed_durability,
    sweep,
)
from apps.networks.models import NetworkAccessProfileNetwork
from apps.sims.models import Sim
from apps.sims.services import sim_fields, sims_upsert

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
    assert parse_dt("2024-05-01T12:00:00Z").utcoffset() == dt.timedelta(0)
    assert parse_dt("2024-05-01T14:00:00+02:00") == NOW
    assert parse_dt("2024-05-01T12:00:00.250Z") == NOW + dt.timedelta(milliseconds=250)
    assert parse_dt("2024-13-01T12:00:00Z") is None  # the fast path's shape, not a date
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


def test_canonical_json_is_the_hashed_text():
    raw = {"b": [1, 2], "a": "é"}
    assert canonical_json(raw) == '{"a":"é","b":[1,2]}'
    assert content_hash(raw) == content_hash(dict(reversed(list(raw.items()))))
    # the same text as the standard library's canonical dump; what orjson refuses still serialises
    item = {"sid": "HS1", "links": {"b": "https://x/ü", "a": None}, "n": [1, 2.5, True], "d": {}}
    assert canonical_json(item) == json.dumps(item, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert canonical_json({"big": 2**70}) == '{"big":1180591620717411303424}'


@pytest.mark.django_db
def test_json_is_written_from_the_hashed_text():
    page = rows(2)
    page[0]["raw"] = {**page[0]["raw"], "links": {"x": "https://example.com/ü"}, "n": [1, None, 2.5]}
    bulk_upsert(model=Sim, rows=page, run_id=1, now=NOW)
    sim = Sim.objects.get(sid=page[0]["sid"])
    assert sim.raw == page[0]["raw"]
    assert sim.content_hash == content_hash(page[0]["raw"])
    assert Sim.objects.filter(raw__links__x="https://example.com/ü").count() == 1  # real JSON, queryable


# --- the sync engine's path: keys seen kept in memory, unchanged rows never written ----------------------
@pytest.mark.django_db
def test_seen_unchanged_page_is_one_select_and_writes_nothing(django_assert_num_queries):
    bulk_upsert(model=Sim, rows=rows(20), run_id=1, now=NOW, seen=set())
    seen: set = set()
    with django_assert_num_queries(1):  # SELECT sid, content_hash: nothing else
        assert bulk_upsert(model=Sim, rows=rows(20), run_id=2, now=LATER, seen=seen) == UpsertResult(
            unchanged=20
        )
    assert seen == {f"HS{i:032x}" for i in range(20)}
    assert set(Sim.objects.values_list("last_seen_run_id", "synced_at")) == {(1, NOW)}  # untouched


@pytest.mark.django_db
def test_seen_changed_rows_are_written_and_stamped():
    bulk_upsert(model=Sim, rows=rows(3), run_id=1, now=NOW, seen=set())
    page = rows(3)
    page[1]["raw"] = {**page[1]["raw"], "status": "inactive"}
    page[1]["status"] = "inactive"
    seen: set = set()
    assert bulk_upsert(model=Sim, rows=page, run_id=2, now=LATER, seen=seen) == UpsertResult(
        updated=1, unchanged=2
    )
    assert len(seen) == 3
    assert dict(Sim.objects.values_list("unique_name", "last_seen_run_id")) == {
        "sim-0": 1,
        "sim-1": 2,
        "sim-2": 1,
    }
    assert Sim.objects.get(unique_name="sim-1").status == "inactive"


@pytest.mark.django_db
def test_sweep_by_seen_marks_only_unseen_and_never_deletes(monkeypatch):
    monkeypatch.setattr(upsert, "SWEEP_CHUNK", 2)  # several UPDATEs
    bulk_upsert(model=Sim, rows=rows(7), run_id=1, now=NOW, seen=set())
    seen: set = set()
    bulk_upsert(model=Sim, rows=rows(2), run_id=2, now=LATER, seen=seen)  # unchanged: not stamped
    assert sweep(model=Sim, run_id=2, now=LATER, seen=seen) == 5
    assert Sim.objects.count() == 7
    assert set(Sim.objects.filter(removed_at__isnull=True).values_list("unique_name", flat=True)) == {
        "sim-0",
        "sim-1",
    }
    assert sweep(model=Sim, run_id=2, now=LATER, seen=seen) == 0  # already removed: untouched
    assert set(Sim.objects.filter(removed_at__isnull=False).values_list("removed_at", flat=True)) == {LATER}


@pytest.mark.django_db
def test_sweep_by_seen_reads_back_only_rows_the_run_did_not_write():
    bulk_upsert(model=Sim, rows=rows(3), run_id=1, now=NOW, seen=set())
    seen: set = set()
    # run 2: two rows change (written, stamped 2), one new; sim-2 is not in the page
    changed = rows(2, status="inactive") + rows(1, start=5)
    assert bulk_upsert(model=Sim, rows=changed, run_id=2, now=LATER, seen=seen) == UpsertResult(
        created=1, updated=2
    )
    with CaptureQueriesContext(connection) as queries:
        assert sweep(model=Sim, run_id=2, now=LATER, seen=seen) == 1
    reads = [q["sql"] for q in queries.captured_queries if "SELECT" in q["sql"]]  # (PostgreSQL: DECLARE)
    assert reads and all("last_seen_run_id" in sql for sql in reads)  # rows run 2 wrote: not read back...
    assert list(Sim.objects.filter(removed_at__isnull=False).values_list("unique_name", flat=True)) == [
        "sim-2"  # ...and the one it did not see is still swept
    ]
    # a row stamped by another run, and one never stamped (UI path), are still compared with ``seen``
    Sim.objects.filter(unique_name="sim-0").update(last_seen_run_id=None)
    assert sweep(model=Sim, run_id=3, now=LATER, seen={"HS" + f"{1:032x}", "HS" + f"{5:032x}"}) == 1
    assert Sim.objects.get(unique_name="sim-0").removed_at == LATER


@pytest.mark.django_db
def test_sweep_by_seen_scope_and_rows_written_during_the_run():
    bulk_upsert(model=Sim, rows=rows(2), run_id=1, now=NOW)
    bulk_upsert(model=Sim, rows=rows(2, status="inactive", start=2), run_id=1, now=NOW)
    # written by the UI path after the run started (synced_at later than the run's start): left alone
    bulk_upsert(model=Sim, rows=rows(1, status="inactive", start=4), run_id=None, now=LATER)
    assert sweep(model=Sim, run_id=9, now=NOW, seen=set(), status="inactive") == 2
    assert set(Sim.objects.filter(removed_at__isnull=True).values_list("unique_name", flat=True)) == {
        "sim-0",
        "sim-1",
        "sim-4",
    }


@pytest.mark.django_db
def test_removed_row_is_restored_when_seen_again_by_a_run():
    bulk_upsert(model=Sim, rows=rows(2), run_id=1, now=NOW, seen=set())
    sweep(model=Sim, run_id=2, now=NOW, seen=set())
    assert Sim.objects.filter(removed_at__isnull=False).count() == 2
    seen: set = set()
    assert bulk_upsert(model=Sim, rows=rows(2), run_id=3, now=LATER, seen=seen) == UpsertResult(updated=2)
    assert Sim.objects.filter(removed_at__isnull=True, last_seen_run_id=3).count() == 2
    assert sweep(model=Sim, run_id=3, now=LATER, seen=seen) == 0


@pytest.mark.django_db
def test_sweep_by_seen_with_a_composite_key():
    key = ("nap", "network")
    page = [
        {"sid": f"HX{i:032x}", "raw": {"n": i}, "nap_id": "HA1", "network_id": f"HW{i}"} for i in range(3)
    ]
    other = [{"sid": "HX" + "f" * 32, "raw": {}, "nap_id": "HA2", "network_id": "HW0"}]
    bulk_upsert(model=NetworkAccessProfileNetwork, rows=page + other, run_id=1, now=NOW, key=key)
    seen: set = set()
    bulk_upsert(model=NetworkAccessProfileNetwork, rows=page[:2], run_id=2, now=LATER, key=key, seen=seen)
    assert seen == {("HA1", "HW0"), ("HA1", "HW1")}
    swept = sweep(model=NetworkAccessProfileNetwork, run_id=2, now=LATER, seen=seen, key=key, nap_id="HA1")
    assert swept == 1
    assert list(NetworkAccessProfileNetwork.objects.filter(removed_at__isnull=False).values_list(*key)) == [
        ("HA1", "HW2")
    ]


@pytest.mark.django_db(transaction=True)
def test_relaxed_durability_is_restored():
    def setting() -> str:
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("PRAGMA synchronous")
            else:
                cursor.execute("SHOW synchronous_commit")
            return str(cursor.fetchone()[0]).lower()

    before = setting()
    with relaxed_durability():
        inside = setting()
        bulk_upsert(model=Sim, rows=rows(2), run_id=1, now=NOW)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            wal = cursor.fetchone()[0].lower() == "wal"
        # NORMAL in WAL mode; any other journal (the tests' in-memory database) is left as it is
        assert inside == ("1" if wal else before)
    else:
        assert inside == "off"
    assert setting() == before
    assert Sim.objects.count() == 2


@pytest.mark.django_db
def test_big_pages_insert_then_update_exactly_what_changed():
    """A page above PG_COPY_MIN_ROWS (PostgreSQL: COPY + INSERT ... SELECT; SQLite: executemany)."""
    n = upsert.PG_COPY_MIN_ROWS + 50

    def dated():
        page = rows(n)
        for row in page:
            row["date_created"] = NOW  # a datetime column: COPY/adapters must carry it exactly
        return page

    assert bulk_upsert(model=Sim, rows=dated(), run_id=1, now=NOW) == UpsertResult(created=n)
    page = dated()
    for row in page[:7]:
        row["status"] = "inactive"
        row["raw"] = {**row["raw"], "status": "inactive"}
    result = bulk_upsert(model=Sim, rows=page, run_id=2, now=LATER, seen=set())
    assert result == UpsertResult(updated=7, unchanged=n - 7)
    assert Sim.objects.count() == n
    assert Sim.objects.filter(status="inactive", last_seen_run_id=2, synced_at=LATER).count() == 7
    stored = Sim.objects.get(sid=page[0]["sid"])
    assert stored.raw == page[0]["raw"] and stored.content_hash == upsert.content_hash(page[0]["raw"])
    assert stored.date_created == page[0]["date_created"]
    assert Sim.objects.filter(last_seen_run_id=1).count() == n - 7  # unchanged rows are not rewritten
    assert Sim.objects.filter(removed_at__isnull=False).count() == 0


# --- PagedUpsert: a whole run, prepared apart from the writing ---------------------------------------------
def api_sims(n, *, status="active", start=0):
    return [
        {
            "sid": f"HS{i:032x}",
            "status": status,
            "unique_name": f"sim-{i}",
            "iccid": f"89{i:018d}",
            "fleet_sid": None,
            "date_created": "2024-05-01T12:00:00Z",
            "date_updated": "2024-05-01T12:30:00Z",
        }
        for i in range(start, start + n)
    ]


def paged_run(pages, *, run_id, now, in_thread=False):
    """One run through PagedUpsert: each page prepared (in another thread, if asked) and then written."""

    seen: set = set()
    pager = PagedUpsert(model=Sim, to_row=sim_fields, run_id=run_id, now=now, seen=seen)
    results = []
    with ThreadPoolExecutor(max_workers=1) as other_thread:
        for items in pages:
            prepared = (
                other_thread.submit(pager.prepare, items).result() if in_thread else pager.prepare(items)
            )
            results.append(pager.write(prepared))
    return results, seen


def table():
    return {
        sid: (status, name, iccid, str(created), raw, run)
        for sid, status, name, iccid, created, raw, run in Sim.objects.values_list(
            "sid", "status", "unique_name", "iccid", "date_created", "raw", "last_seen_run_id"
        )
    }


@pytest.mark.django_db
def test_paged_upsert_prepares_without_the_database_and_writes_what_bulk_upsert_writes(
    django_assert_num_queries,
):

    first = api_sims(5)
    # the reference: the per-page path the UI tests and the other resources use
    for items in (first[:3], first[3:]):
        sims_upsert(items=items, run_id=1, now=NOW, seen=set())
    reference = table()
    Sim.objects.all().delete()

    results, seen = paged_run([first[:3], first[3:]], run_id=1, now=NOW, in_thread=True)
    assert results == [UpsertResult(created=3), UpsertResult(created=2)]
    assert table() == reference
    assert seen == {s["sid"] for s in first}
    assert Sim.objects.get(unique_name="sim-0").date_created == NOW

    pager = PagedUpsert(model=Sim, to_row=sim_fields, run_id=2, now=LATER, seen=set())
    changed = api_sims(2, status="inactive") + first[2:4] + api_sims(1, start=9)
    with django_assert_num_queries(0):  # the table was read once, when the run started
        prepared = pager.prepare(changed)
    assert prepared.result == UpsertResult(created=1, updated=2, unchanged=2)
    assert (len(prepared.new), len(prepared.changed)) == (1, 2)  # unchanged items: no row built
    pager.write(prepared)
    assert Sim.objects.get(unique_name="sim-1").status == "inactive"
    assert Sim.objects.get(unique_name="sim-1").last_seen_run_id == 2
    assert Sim.objects.get(unique_name="sim-2").last_seen_run_id == 1  # unchanged: not written
    assert Sim.objects.count() == 6


@pytest.mark.django_db
def test_paged_upsert_restores_removed_rows_and_compares_repeated_keys_with_the_run():
    paged_run([api_sims(3)], run_id=1, now=NOW)
    Sim.objects.filter(unique_name="sim-0").update(removed_at=NOW)
    # run 2: sim-0 comes back; sim-1 twice in one page (the last wins) and again, unchanged, in a later page
    page = api_sims(2) + api_sims(1, status="inactive", start=1)
    results, seen = paged_run([page, api_sims(1, status="inactive", start=1)], run_id=2, now=LATER)
    assert results == [UpsertResult(updated=2), UpsertResult(unchanged=1)]
    assert Sim.objects.filter(removed_at__isnull=True).count() == 3
    assert Sim.objects.get(unique_name="sim-1").status == "inactive"
    assert seen == {f"HS{i:032x}" for i in range(2)}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("n", [3, upsert.PG_COPY_MIN_ROWS + 10])  # VALUES, and COPY on PostgreSQL
def test_paged_upsert_new_rows_written_meanwhile_fall_back_to_the_upsert(n):

    pager = PagedUpsert(model=Sim, to_row=sim_fields, run_id=2, now=LATER, seen=set())
    items = api_sims(n)
    prepared = pager.prepare(items)
    assert len(prepared.new) == n
    # one of them is written by someone else (onboarding, the UI) after the run read the table
    sims_upsert(items=[dict(items[1], status="ready")], run_id=None, now=NOW)
    pager.write(prepared)  # the plain insert meets the row: undone, and the page goes through the upsert
    assert Sim.objects.count() == n
    assert set(Sim.objects.values_list("status", flat=True)) == {"active"}  # the page's content
    assert Sim.objects.filter(last_seen_run_id=2).count() == n


@pytest.mark.django_db
@pytest.mark.parametrize("n", [3, upsert.PG_COPY_MIN_ROWS + 10])  # VALUES, and COPY on PostgreSQL
def test_paged_upsert_leaves_alone_rows_written_meanwhile_with_the_same_content(n):
    """Renames through the UI while a run pages: the run's copy of those SIMs is what the rows already hold
    (the API's answer, stored by the UI): not written again, and counted unchanged (a pass that changed
    nothing leaves the cached SIM counts alone: the sync engine goes by these counts)."""
    from apps.sims.services import sim_from_api

    paged_run([api_sims(n + 2)], run_id=1, now=NOW)
    pager = PagedUpsert(model=Sim, to_row=sim_fields, run_id=2, now=LATER, seen=set())
    renamed = [dict(item, unique_name=f"renamed-{i}") for i, item in enumerate(api_sims(n))]
    prepared = pager.prepare(renamed + api_sims(2, status="inactive", start=n))
    assert prepared.result == UpsertResult(updated=n + 2)  # against the table as the run found it
    for item in renamed:  # ... but the UI has written these n since
        sim_from_api(data=item)
    assert pager.write(prepared) == UpsertResult(updated=2, unchanged=n)
    assert Sim.objects.filter(last_seen_run_id=2).count() == 2  # only the two inactive ones written
    assert Sim.objects.filter(unique_name__startswith="renamed-").count() == n
    assert Sim.objects.filter(status="inactive").count() == 2


@pytest.mark.django_db
def test_sweep_of_a_paged_run_looks_only_at_the_unseen_keys_live_at_its_start(django_assert_num_queries):
    paged_run([api_sims(4)], run_id=1, now=NOW)
    Sim.objects.filter(unique_name="sim-3").update(removed_at=NOW)  # removed before run 2

    seen: set = set()
    pager = PagedUpsert(model=Sim, to_row=sim_fields, run_id=2, now=LATER, seen=seen)
    pager.write(pager.prepare(api_sims(1)))  # run 2 sees sim-0 only
    # meanwhile the UI writes sim-1 (after the run's start) and onboarding adds sim-7
    bulk_upsert(model=Sim, rows=rows(1, start=1) + rows(1, start=7), run_id=None, now=LATER + dt.timedelta(1))
    candidates = pager.unseen()
    assert sorted(candidates) == [f"HS{i:032x}" for i in (1, 2)]  # live at the start, not seen
    with django_assert_num_queries(1):  # one UPDATE for the candidates, no scan of the live rows
        assert sweep(model=Sim, run_id=2, now=LATER, seen=seen, candidates=candidates) == 1
    live = set(Sim.objects.filter(removed_at__isnull=True).values_list("unique_name", flat=True))
    assert live == {"sim-0", "sim-1", "sim-7"}  # sim-2 swept; sim-1 written after the start: left alone
    assert Sim.objects.get(unique_name="sim-3").removed_at == NOW  # already removed: untouched
