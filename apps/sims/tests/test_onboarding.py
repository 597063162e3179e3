"""Onboarding: register one SIM, and the CSV flow (upload -> preview -> confirm -> job), over real HTTP
against the sandbox where the API is involved."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from html import unescape

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.core.jobs import run_chunk
from apps.core.models import Job, JobItem
from apps.fleets.models import Fleet
from apps.fleets.services import fleet_from_api
from apps.sandbox import models as sandbox
from apps.sims.models import Sim
from apps.sims.tests.factories import SimFactory
from apps.supersim.client import get_client

REGISTER = "/sims/register/"
UPLOAD = "/sims/onboard/"


def with_check_digit(body: str) -> str:
    """``body`` + its Luhn check digit, worked out here (not with the product's function): from the right,
    every other digit of the body doubled (minus 9 above 9), the digit makes the sum a multiple of 10.
    Checked against ICCIDs written out in :func:`test_the_test_s_luhn_digit_matches_written_out_iccids`."""
    total = 0
    for position, char in enumerate(reversed(body)):
        digit = int(char) * (2 if position % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return body + str(-total % 10)


#: known-good ICCIDs (19 digits + a Luhn check digit), written out
VALID_ICCID = "89883070000000000016"
TAKEN_ICCID = "89883070000000000099"
#: the first ICCIDs ``sandbox_seed --seed 7`` puts on the sandbox account (its pattern 898830707...)
SEEDED_ICCIDS = ["89883070700000000003", "89883070700000000011"]


def test_the_test_s_luhn_digit_matches_written_out_iccids():
    for iccid in (VALID_ICCID, TAKEN_ICCID, *SEEDED_ICCIDS, "89883070000000001006", "89883070000000010049"):
        assert with_check_digit(iccid[:-1]) == iccid


def seed_sandbox() -> list[tuple[str, str]]:
    """Seed the sandbox; return the unclaimed (ICCID, registration code) pairs the seed command prints."""
    out = io.StringIO()
    call_command("sandbox_seed", sims=30, fleets=3, seed=7, stdout=out)
    pairs = re.findall(r"Iccid=(\d+)\s+RegistrationCode=(\w+)", out.getvalue())
    assert len(pairs) == 5
    return pairs


def sync_fleets() -> list[Fleet]:
    return [fleet_from_api(data=item) for item in get_client().fleets_list()]


def sandbox_sim_count() -> int:
    """The SIMs on the sandbox account, counted in the sandbox's own table (not through our client)."""
    return sandbox.Sim.objects.count()


def seeded_iccid(i: int = 0) -> str:
    """An ICCID the seed put on the sandbox account (written out above)."""
    return SEEDED_ICCIDS[i]


def upload(client, content: bytes | str, name: str = "sims.csv", **extra):
    data = content.encode() if isinstance(content, str) else content
    f = io.BytesIO(data)
    f.name = name
    return client.post(UPLOAD, {"file": f}, **extra)


def confirm(client, response):
    token = response["Location"].rstrip("/").split("/")[-1]
    return token, client.post(reverse("sims:sim_onboard_confirm", kwargs={"token": token}))


# --- register one SIM: every field's error, before any API call -------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("iccid", "", "This field is required."),
        ("iccid", "8988307000000A00001", "digits only; it contains 'A' at position 14"),
        ("iccid", "89883070000000001", "18 to 22 digits long; this one has 17"),
        ("iccid", "8" * 23, "18 to 22 digits long; this one has 23"),
        ("iccid", "89883070000000000017", "Luhn check digit"),  # VALID_ICCID with the wrong last digit
        ("registration_code", "", "This field is required."),
        ("registration_code", "ABC123", "must be 10 characters long; this one has 6"),
        ("registration_code", "ABCDE-1234", "only letters and digits; it contains '-'"),
        ("unique_name", "x" * 65, "at most 64 characters long; this one has 65"),
        ("unique_name", "HS" + "0" * 32, "must not look like a SID"),
        ("unique_name", "=cmd", "must not start with '='"),
        ("status", "inactive", "Select a valid choice"),
        ("fleet", "HF" + "f" * 32, "Select a valid choice"),
    ],
)
def test_register_form_says_exactly_what_is_wrong(operator_client, field, value, message):
    data = {"iccid": VALID_ICCID, "registration_code": "ABCDE12345", field: value}
    response = operator_client.post(REGISTER, data, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="sim-register")
    assert response.status_code == 422
    html = unescape(response.content.decode())
    assert f'data-field-error="{field}"' in html
    assert message in html
    assert "<html" not in html  # the partial only
    assert not Sim.objects.exists()


@pytest.mark.django_db
def test_register_form_other_local_checks(operator_client):
    SimFactory(unique_name="taken", iccid=TAKEN_ICCID)
    response = operator_client.post(
        REGISTER,
        {"iccid": VALID_ICCID, "registration_code": "ABCDE12345", "unique_name": "taken", "status": "ready"},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "already used by SIM 89883070000000000099" in html
    assert "Pick a fleet: a SIM must be in a fleet before it can be ready." in html


@pytest.mark.django_db
def test_viewer_cannot_register_or_onboard(viewer_client):
    assert viewer_client.get(REGISTER).status_code == 403
    assert viewer_client.post(REGISTER, {"iccid": VALID_ICCID}).status_code == 403
    assert viewer_client.get(UPLOAD).status_code == 403
    assert upload(viewer_client, "iccid,registration_code\n").status_code == 403
    assert viewer_client.get("/sims/onboard/sometoken/").status_code == 403
    assert viewer_client.post("/sims/onboard/sometoken/confirm/").status_code == 403
    assert AuditEvent.objects.filter(action="access.denied").count() == 6


# --- register one SIM over real HTTP ----------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
@pytest.mark.providers
def test_register_one_sim_with_name_fleet_and_status(sandbox_api, operator_client):
    (iccid, code), *_ = seed_sandbox()
    fleet = sync_fleets()[0]
    response = operator_client.post(
        REGISTER,
        {
            "iccid": iccid,
            "registration_code": code,
            "unique_name": "pump-17",
            "fleet": fleet.sid,
            "status": "ready",
        },
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="sim-register",
    )
    assert response.status_code == 200, response.content.decode()
    assert "simCreated" in response["HX-Trigger"]
    sim = Sim.objects.get(iccid=iccid)  # the local row, from the API's answers
    assert (sim.unique_name, sim.fleet_id, sim.status) == ("pump-17", fleet.sid, "ready")
    assert sim.sid.startswith("HS") and sim.raw["iccid"] == iccid
    html = response.content.decode()
    assert f'data-registered-sid="{sim.sid}"' in html and f"/sims/{sim.sid}/" in html
    assert 'name="iccid"' in html and f'value="{iccid}"' not in html  # a fresh form for the next SIM
    events = AuditEvent.objects.filter(object_id=sim.sid, success=True)
    assert set(events.values_list("action", flat=True)) == {"sim.register", "sim.update"}
    assert code not in str(list(AuditEvent.objects.values_list("after", "api_response")))


@pytest.mark.django_db(transaction=True)
def test_register_active_is_scheduled_and_plain_post_redirects(sandbox_api, operator_client):
    (iccid, code), *_ = seed_sandbox()
    fleet = sync_fleets()[0]
    response = operator_client.post(
        REGISTER, {"iccid": iccid, "registration_code": code, "fleet": fleet.sid, "status": "active"}
    )
    assert response.status_code == 302 and response["Location"] == REGISTER
    sim = Sim.objects.get(iccid=iccid)
    assert sim.status == "scheduled" and sim.fleet_id == fleet.sid
    page = operator_client.get(REGISTER)
    assert "activation scheduled" in page.content.decode()


@pytest.mark.django_db(transaction=True)
def test_register_wrong_pair_shows_83002_and_changes_nothing(sandbox_api, operator_client):
    (iccid, code), *_ = seed_sandbox()
    wrong = code[:-1] + ("A" if code[-1] != "A" else "B")
    response = operator_client.post(
        REGISTER, {"iccid": iccid, "registration_code": wrong}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "The ICCID and registration code do not match" in html and "error 83002" in html
    assert 'data-api-error="83002"' in html
    assert not Sim.objects.exists()
    event = AuditEvent.objects.get(action="sim.register")
    assert event.success is False and event.object_id == iccid and event.api_response["code"] == 83002


@pytest.mark.django_db(transaction=True)
def test_register_a_sim_already_on_the_account_links_to_it(sandbox_api, operator_client):
    (iccid, code), *_ = seed_sandbox()
    # a SIM the account has but which is not synced here yet: fetched and linked
    existing = seeded_iccid(0)
    response = operator_client.post(REGISTER, {"iccid": existing, "registration_code": "ABCDE12345"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "This SIM is already on this account." in html and "83003" in html
    sim = Sim.objects.get(iccid=existing)
    assert f'href="/sims/{sim.sid}/"' in html
    # register a new one twice: the second time says where it is
    first = operator_client.post(REGISTER, {"iccid": iccid, "registration_code": code})
    assert first.status_code == 302
    again = operator_client.post(REGISTER, {"iccid": iccid, "registration_code": code})
    assert again.status_code == 422
    assert f'href="/sims/{Sim.objects.get(iccid=iccid).sid}/"' in again.content.decode()
    assert Sim.objects.filter(iccid=iccid).count() == 1


# --- CSV: hostile input is refused as a whole, nothing stored ----------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The submitted file is empty."),
        (b"\n\n  \n", "The file is empty."),
        ("iccid,registration_code\n8988,caf\xe9\n".encode("latin-1"), "not UTF-8 text (byte 0xE9 on line 2)"),
        (b"PK\x03\x04\x00\x00binary", "looks binary"),
        (b"serial,code\n1,2\n", "missing: iccid, registration_code (found 'serial', 'code')"),
        (b"iccid\n89883070000000000013\n", "missing: registration_code"),
        (b"iccid,registration_code\n", "a header line but no rows"),
        (
            b"iccid,registration_code,unique_name\n89883070000000000013,ABCDE12345,=cmd|' /C calc'!A0\n",
            "Line 2, column unique_name: \"=cmd|' /C calc'!A0\" starts with '='",
        ),
        (b"iccid,registration_code\n@SUM(1),ABCDE12345\n", "column iccid"),
        (b"iccid,iccid,registration_code\n1,2,3\n", "appears twice"),
    ],
)
def test_hostile_files_are_refused_with_a_clear_message(operator_client, content, message):
    response = upload(operator_client, content)
    assert response.status_code == 422
    html = unescape(response.content.decode())
    assert message in html, html
    assert not Job.objects.exists()


@pytest.mark.django_db
def test_a_file_over_the_size_limit_is_refused(operator_client, settings):
    big = b"iccid,registration_code\n" + b"89883070000000000013,ABCDE12345\n" * 170_000  # 5.4 MB
    response = upload(operator_client, big)
    assert response.status_code == 422
    assert "the limit is 5.0 MB" in response.content.decode()
    settings.ONBOARDING_CSV_MAX_ROWS = 3
    rows = upload(operator_client, b"iccid,registration_code\n" + b"1,2\n" * 4)
    assert rows.status_code == 422 and "more than 3 rows" in rows.content.decode()
    assert not Job.objects.exists()


# --- CSV preview: per-row checks, known SIMs, fixed query count -------------------------------------------
def csv_text(rows: list[tuple]) -> str:
    lines = ["iccid,registration_code,unique_name,fleet,status"]
    lines += [",".join(str(c) for c in row) for row in rows]
    return "\n".join(lines) + "\n"


@pytest.mark.django_db
def test_preview_checks_every_row(operator_client):
    fleet = Fleet.objects.create(sid="HF" + "a" * 32, unique_name="fleet-a")
    known = SimFactory(iccid="89883070000000001006", unique_name="known-1", fleet=fleet)
    SimFactory(iccid="89883070000000002004", unique_name="used-name")
    good = ["89883070000000010015", "89883070000000010023", "89883070000000010031", "89883070000000010049"]
    text = csv_text(
        [
            (good[0], "ABCDE12345", "n-1", "fleet-a", "active"),  # new
            (good[1], "ABCDE12345", "", fleet.sid, ""),  # new, fleet by SID
            (known.iccid, "ABCDE12345", "", "", ""),  # already registered
            (good[0], "ABCDE12345", "", "", ""),  # duplicate ICCID in the file
            (good[2], "short", "n-1", "", ""),  # bad code + duplicate name
            (good[3], "ABCDE12345", "used-name", "nope", "ready"),  # name used by another SIM, unknown fleet
            ("123", "ABCDE12345", "", "", "Active"),  # bad ICCID, status needs a fleet
        ]
    )
    response = upload(operator_client, text)
    assert response.status_code == 302
    page = operator_client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    for name, count in (("rows", 7), ("new", 2), ("known", 1), ("invalid", 4)):
        assert f'data-count="{name}">{count}<' in html
    assert "Duplicate: the ICCID is already on line 2." in html
    assert "Duplicate: the unique name is already used on line 2." in html
    assert "must be 10 characters long; this one has 5" in html
    assert (
        "already used by SIM 89883070000000002004" in html
        and "No fleet &#x27;nope&#x27; is known here" in html
    )
    assert "18 to 22 digits long; this one has 3" in html
    assert "A SIM needs a fleet to become active" in html
    assert 'data-outcome="known"' in html and known.sid in html
    invalid_only = operator_client.get(response["Location"] + "?show=invalid").content.decode()
    assert invalid_only.count('data-outcome="invalid"') == 4 and 'data-outcome="new"' not in invalid_only


@pytest.mark.django_db
def test_preview_query_count_does_not_grow_with_rows(operator_client, django_assert_num_queries):
    fleet = Fleet.objects.create(sid="HF" + "b" * 32, unique_name="fleet-b")
    Sim.objects.bulk_create(
        [Sim(sid=f"HS{i:032x}", iccid=with_check_digit(f"898830700{i:010d}")) for i in range(3000)]
    )

    def preview(n: int) -> str:
        rows = [
            (with_check_digit(f"898830700{i:010d}"), "ABCDE12345", f"name-{i}", "fleet-b", "ready")
            for i in range(n)
        ]
        response = upload(operator_client, csv_text(rows))
        assert response.status_code == 302
        return response["Location"]

    few, many = preview(5), preview(2500)
    # session, user, 2 for permissions; known ICCIDs, fleets, unique names (one query each)
    with django_assert_num_queries(7):
        assert operator_client.get(few).status_code == 200
    with django_assert_num_queries(7):
        html = operator_client.get(many).content.decode()
    assert 'data-count="known">2500<' in html and "The first 200 of 2500 rows are shown." in html
    assert fleet.sid


@pytest.mark.django_db
def test_drafts_are_private_and_expire(operator_client, client, settings):
    from apps.core.testing import make_user

    response = upload(operator_client, csv_text([(VALID_ICCID, "ABCDE12345", "", "", "")]))
    url = response["Location"]
    other = make_user("operator2", "operator")
    client.force_login(other)
    assert client.get(url).status_code == 404  # someone else's upload
    refused = client.post(url + "confirm/")
    assert refused.status_code == 302 and refused["Location"] == UPLOAD
    assert operator_client.get("/sims/onboard/no-such-token/").status_code == 404
    assert not Job.objects.exists()


# --- CSV job over real HTTP: outcomes, idempotence, re-runs -------------------------------------------------
def outcomes(job: Job) -> dict[str, tuple[str, str]]:
    return {i.key: (i.status, i.result.get("outcome", i.error)) for i in job.items.order_by("seq")}


@pytest.mark.django_db(transaction=True)
@pytest.mark.providers
def test_csv_onboarding_job_and_rerun_of_the_same_file(sandbox_api, operator_client):
    pairs = seed_sandbox()
    fleets = sync_fleets()
    before = sandbox_sim_count()
    existing = seeded_iccid(1)
    text = csv_text(
        [
            (pairs[0][0], pairs[0][1], "csv-1", fleets[0].unique_name, "ready"),
            (pairs[1][0], pairs[1][1], "", "", ""),
            (pairs[2][0], pairs[2][1][::-1], "", "", ""),  # wrong pair -> 83002
            (existing, "ABCDE12345", "", "", ""),  # on the account, not synced here -> 83003
            ("12345", "ABCDE12345", "", "", ""),  # invalid: never sent
        ]
    )
    response = upload(operator_client, text)
    token, started = confirm(operator_client, response)
    job = Job.objects.get()
    assert started.status_code == 302 and started["Location"] == f"/jobs/{job.pk}/"
    job.refresh_from_db()  # eager: the chunks ran when the job committed
    assert job.kind == "sims.onboard" and job.status == Job.Status.PARTIAL
    result = outcomes(job)
    assert result[pairs[0][0]] == ("succeeded", "registered")
    assert result[pairs[1][0]] == ("succeeded", "registered")
    assert result[pairs[2][0]][0] == "failed" and "do not match" in result[pairs[2][0]][1]
    assert result[existing] == ("succeeded", "already registered")
    assert result["12345"][0] == "failed" and "18 to 22 digits" in result["12345"][1]
    sim = Sim.objects.get(iccid=pairs[0][0])
    assert (sim.unique_name, sim.fleet_id, sim.status) == ("csv-1", fleets[0].sid, "ready")
    assert Sim.objects.filter(iccid=existing).exists()
    assert sandbox_sim_count() == before + 2
    # the registration codes are not kept once used
    assert all(not i.payload["registration_code"] for i in job.items.filter(status="succeeded"))
    # the same token cannot start a second job
    assert operator_client.post(f"/sims/onboard/{token}/confirm/").status_code == 302
    assert Job.objects.count() == 1
    # the results as CSV (core's download) with the per-row outcome
    csv_out = b"".join(operator_client.get(f"/jobs/{job.pk}/results.csv").streaming_content).decode()
    assert "outcome" in csv_out.splitlines()[0] and "already registered" in csv_out
    by_key = {row["key"]: row for row in csv.DictReader(io.StringIO(csv_out))}
    assert all(row["line"] for row in by_key.values())  # failed rows too: the line to fix in the file
    assert (by_key[pairs[2][0]]["status"], by_key[pairs[2][0]]["line"]) == ("failed", "4")
    assert (by_key["12345"]["status"], by_key["12345"]["line"]) == ("failed", "6")
    assert by_key[pairs[0][0]]["line"] == "2"
    registered = AuditEvent.objects.filter(action="sim.register", success=True).count()

    # the same file again: the preview knows them, the job registers nothing new
    again = upload(operator_client, text)
    html = operator_client.get(again["Location"]).content.decode()
    assert 'data-count="known">3<' in html and 'data-count="new">1<' in html  # the wrong pair stays "new"
    confirm(operator_client, again)
    second = Job.objects.exclude(pk=job.pk).get()
    result = outcomes(second)
    assert result[pairs[0][0]] == ("succeeded", "already registered")
    assert result[pairs[1][0]] == ("succeeded", "already registered")
    assert result[existing] == ("succeeded", "already registered")
    assert sandbox_sim_count() == before + 2
    assert AuditEvent.objects.filter(action="sim.register", success=True).count() == registered
    assert Sim.objects.filter(iccid=pairs[0][0]).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_chunk_run_twice_or_after_a_crash_never_registers_twice(sandbox_api, operator_client):
    pairs = seed_sandbox()
    before = sandbox_sim_count()
    response = upload(operator_client, csv_text([(i, c, "", "", "") for i, c in pairs[:3]]))
    confirm(operator_client, response)
    job = Job.objects.get()
    assert job.items.filter(status="succeeded").count() == 3
    # the same chunk delivered again: nothing to do
    run_chunk(job_id=job.pk, first_seq=0, last_seq=2)
    assert sandbox_sim_count() == before + 3
    # a worker died after CreateSim answered but before the item was finished (twice: with and without
    # the SID noted): the re-run finishes the item without a second CreateSim
    JobItem.objects.filter(job=job, seq=0).update(
        status="running", lease_until=timezone.now() - timedelta(seconds=1), attempts=1
    )
    item1 = JobItem.objects.get(job=job, seq=1)
    payload = {**item1.payload}
    payload.pop("registered_sid")
    JobItem.objects.filter(pk=item1.pk).update(status="pending", payload=payload, attempts=1)
    Job.objects.filter(pk=job.pk).update(status="running", processed=1, succeeded=1, finished_at=None)
    run_chunk(job_id=job.pk, first_seq=0, last_seq=2)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert outcomes(job)[pairs[0][0]] == ("succeeded", "registered")
    assert outcomes(job)[pairs[1][0]] == ("succeeded", "registered")
    assert sandbox_sim_count() == before + 3
    assert AuditEvent.objects.filter(action="sim.register", success=True).count() == 3
