"""Hostile input wherever a user types or uploads: a clear error and nothing stored; CSV exports neutralise
formula cells (CSV injection); HTML in names is shown as text (see also test_security_secrets.py, which
renders every page with such names)."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.core.models import Job, JobItem
from apps.fleets.tests.factories import FleetFactory
from apps.sims.models import Sim
from apps.sims.tests.factories import SimFactory

FORMULAS = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\t=1", '=HYPERLINK("http://evil.example")']
GOOD_ROW = "89883070000000000015,ABCDEFGHIJ"  # not checked against the API here: the file is refused first


def csv_cells(response) -> list[list[str]]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def assert_neutralised(rows: list[list[str]], expected: list[str]) -> None:
    cells = [cell for row in rows for cell in row]
    for cell in cells:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    for value in expected:
        assert "'" + value in cells, value


@pytest.mark.django_db
def test_sim_export_neutralises_formula_cells(viewer_client):
    fleet = FleetFactory(unique_name="=fleet()")
    for name in FORMULAS:
        SimFactory(unique_name=name, fleet=fleet)
    # (with a filter: the unfiltered export is empty - a bug reported to the SIM pages' owner)
    response = viewer_client.get(reverse("sims:sim_export_csv") + "?status=active")
    assert response.status_code == 200
    rows = csv_cells(response)
    assert len(rows) == 1 + len(FORMULAS)
    assert_neutralised(rows, FORMULAS + ["=fleet()"])


@pytest.mark.django_db
def test_job_results_export_neutralises_formula_cells(viewer_client, operator):
    job = Job.objects.create(kind="sims.bulk_status", title="t", created_by=operator, total=len(FORMULAS))
    for seq, value in enumerate(FORMULAS):
        JobItem.objects.create(
            job=job, seq=seq, key=value, status=JobItem.Status.FAILED, error=value, result={"note": value}
        )
    response = viewer_client.get(reverse("core:job_results_csv", kwargs={"pk": job.pk}))
    assert response.status_code == 200
    assert_neutralised(csv_cells(response), FORMULAS)


@pytest.mark.django_db
def test_usage_export_is_csv_injection_safe(viewer_client):
    from apps.usage.tests.factories import UsageRecordFactory

    UsageRecordFactory(group="sim", group_key="=1+2")
    response = viewer_client.get(reverse("usage:usage_export_csv"))
    assert response.status_code == 200
    rows = csv_cells(response)
    assert rows and all(not c.startswith(("=", "+", "@")) for row in rows for c in row)


def upload(client, content: bytes, name: str = "sims.csv"):
    return client.post(
        reverse("sims:sim_onboard_csv"), {"file": SimpleUploadedFile(name, content, "text/csv")}
    )


def assert_nothing_stored():
    assert not Job.objects.exists() and not JobItem.objects.exists()
    assert not Sim.objects.exists()
    assert not AuditEvent.objects.exclude(action__startswith="auth.").exists()


@pytest.mark.django_db
def test_a_10_mb_upload_is_refused_clearly(operator_client):
    body = b"iccid,registration_code\n" + (GOOD_ROW.encode() + b"\n") * (10 * 1024 * 1024 // 32)
    assert len(body) >= 10 * 1024 * 1024
    response = upload(operator_client, body)
    assert response.status_code == 422, response.status_code
    assert b"the limit is" in response.content and b"Nothing was stored" in response.content
    assert_nothing_stored()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "iccid,registration_code\n8988307000000000001,CÓDIGOÑ\n".encode("latin-1"),
            b"Nothing was stored",
        ),  # not UTF-8
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", b"Nothing was stored"),  # a binary file named .csv
        (b"\xff\xfe" + "iccid,registration_code\n".encode("utf-16-le"), b"Nothing was stored"),  # UTF-16
        (b"", b"The submitted file is empty"),  # empty
    ],
    ids=["latin-1", "binary", "utf-16", "empty"],
)
def test_a_file_that_is_not_utf8_csv_is_refused_clearly(operator_client, content, message):
    response = upload(operator_client, content)
    assert response.status_code == 422
    assert message in response.content
    assert b"Traceback" not in response.content
    assert_nothing_stored()


@pytest.mark.django_db
def test_formula_unique_names_in_an_upload_are_flagged_not_stored(operator_client):
    content = "iccid,registration_code,unique_name\n" + "".join(
        f"8988307000000000{i:03d}1,ABCDEFGHIJ,{name}\n" for i, name in enumerate(["=cmd|' /C calc'!A0", "@x"])
    )
    response = upload(operator_client, content.encode())
    if response.status_code == 302:  # kept for the preview (in the cache), where the rows are refused
        preview = operator_client.get(response["Location"])
        assert preview.status_code == 200
        assert b"spreadsheet formula" in preview.content
    else:
        assert response.status_code == 422
    assert_nothing_stored()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name", ["=cmd|' /C calc'!A0", "x" * 65, "<script>alert(1)</script>"], ids=["formula", "too-long", "html"]
)
def test_register_form_refuses_hostile_unique_names(operator_client, name):
    response = operator_client.post(
        reverse("sims:sim_register"),
        {"iccid": "89883070000000000015", "registration_code": "ABCDEFGHIJ", "unique_name": name},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422
    assert b"<script>alert(1)</script>" not in response.content
    assert_nothing_stored()
