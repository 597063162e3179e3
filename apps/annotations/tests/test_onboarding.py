"""The CSV onboarding's optional ``tags`` and ``cf_<name>`` columns: checked in the preview, put on the SIMs
the job registers (over real HTTP against the sandbox)."""

from __future__ import annotations

import pytest

from apps.annotations.models import CustomField, CustomFieldValue, TagAssignment
from apps.core.models import Job
from apps.sims.models import Sim
from apps.sims.tests.test_onboarding import confirm, seed_sandbox, upload

HEADER = "iccid,registration_code,tags,cf_site,cf_floor\n"


@pytest.mark.django_db(transaction=True)
def test_preview_checks_the_tags_and_custom_field_columns(operator_client):
    CustomField.objects.create(object_type="sim", name="site", label="Site", field_type="text", required=True)
    CustomField.objects.create(
        object_type="sim", name="floor", label="Floor", field_type="integer", default="0"
    )
    text = (
        "iccid,registration_code,tags,cf_site,cf_floor,cf_nope\n"
        "89883070000000010015,ABCDE12345,pumps;north,Lyon,,x\n"
        "89883070000000010023,ABCDE12345,,,two,\n"
    )
    html = operator_client.get(upload(operator_client, text)["Location"]).content.decode()
    assert "No SIM custom field &#x27;cf_nope&#x27; is defined." in html
    assert "cf_site: required (no value, no default)." in html
    assert "cf_floor: A whole number, e.g. 42." in html


@pytest.mark.django_db(transaction=True)
def test_onboarded_sims_get_their_tags_and_fields(sandbox_api, operator_client):
    pairs = seed_sandbox()
    CustomField.objects.create(object_type="sim", name="site", label="Site", field_type="text")
    CustomField.objects.create(
        object_type="sim", name="floor", label="Floor", field_type="integer", default="1"
    )
    text = HEADER + f"{pairs[0][0]},{pairs[0][1]},pumps; north,Lyon,3\n{pairs[1][0]},{pairs[1][1]},pumps,,\n"
    response = upload(operator_client, text)
    confirm(operator_client, response)
    job = Job.objects.get()
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, list(job.items.values_list("error", flat=True))
    first, second = (Sim.objects.get(iccid=iccid) for iccid, _ in pairs[:2])
    assert sorted(TagAssignment.objects.filter(sid=first.sid).values_list("tag__name", flat=True)) == [
        "north",
        "pumps",
    ]
    assert list(TagAssignment.objects.filter(sid=second.sid).values_list("tag__name", flat=True)) == ["pumps"]
    values = dict(CustomFieldValue.objects.filter(sid=first.sid).values_list("field__name", "value_text"))
    assert values == {"site": "Lyon", "floor": None}
    assert CustomFieldValue.objects.get(sid=first.sid, field__name="floor").value_int == 3
    assert CustomFieldValue.objects.get(sid=second.sid, field__name="floor").value_int == 1  # the default
    assert not CustomFieldValue.objects.filter(sid=second.sid, field__name="site").exists()
