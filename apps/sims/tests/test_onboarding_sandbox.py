"""The dashboard's sandbox page (/sims/register/sandbox/): the sandbox's unclaimed ICCID + registration
code pairs, read over HTTP, for operators and admins, only when the sandbox is the API; linked from the
register page, whose form its links fill in."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from apps.sandbox.models import InventorySim

PAGE = reverse("sims:sim_sandbox_inventory")
REGISTER = reverse("sims:sim_register")


def unclaimed(n: int) -> list[tuple[str, str]]:
    rows = InventorySim.objects.filter(claimed=False).order_by("id")
    return list(rows.values_list("iccid", "registration_code")[:n])


@pytest.mark.django_db(transaction=True)
def test_operator_sees_unclaimed_pairs_and_registers_one(sandbox_api, operator_client):
    call_command("sandbox_seed", sims=10, fleets=2, seed=3, inventory=25, stdout=io.StringIO())
    response = operator_client.get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-unclaimed="25"' in html
    for iccid, code in unclaimed(20):
        assert f"?iccid={iccid}&amp;registration_code={code}" in html
    assert unclaimed(21)[-1][0] not in html  # the first 20 only
    csv = b"".join(operator_client.get(PAGE, {"format": "csv"}).streaming_content).decode().splitlines()
    assert csv[0] == "iccid,registration_code" and [tuple(r.split(",")) for r in csv[1:]] == unclaimed(20)
    # the register page links here, and the pair's link fills its form in
    assert f'href="{PAGE}"'.encode() in operator_client.get(REGISTER).content
    iccid, code = unclaimed(1)[0]
    form = operator_client.get(REGISTER, {"iccid": iccid, "registration_code": code}).content.decode()
    assert f'value="{iccid}"' in form and f'value="{code}"' in form


@pytest.mark.django_db
def test_only_operators_and_admins_open_it(viewer_client, settings):
    settings.SUPERSIM_API_BASE_URL = "http://127.0.0.1:9/sandbox"
    assert viewer_client.get(PAGE).status_code == 403


@pytest.mark.django_db
def test_no_sandbox_page_when_the_api_is_not_the_sandbox(operator_client, settings):
    settings.SUPERSIM_API_BASE_URL = "https://supersim.twilio.com"
    assert operator_client.get(PAGE).status_code == 404
    assert f'href="{PAGE}"'.encode() not in operator_client.get(REGISTER).content
    settings.SUPERSIM_API_BASE_URL = "http://127.0.0.1:9/sandbox"
    settings.SANDBOX_ENABLED = False
    assert operator_client.get(PAGE).status_code == 404


@pytest.mark.django_db
def test_a_sandbox_that_does_not_answer_is_said_so(admin_client_, settings):
    settings.SUPERSIM_API_BASE_URL = "http://127.0.0.1:9/sandbox"  # nothing listens
    settings.SUPERSIM_MAX_RETRIES = 0
    response = admin_client_.get(PAGE)
    assert response.status_code == 502
    assert b"The sandbox did not answer" in response.content and b"could not be reached" in response.content
