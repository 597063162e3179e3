"""Super SIM hardware since Q3 2025 has ICCIDs starting 8910392 (before: 8988307): the dashboard validates
and registers both."""

from __future__ import annotations

import pytest

from apps.sims.models import Sim
from apps.sims.onboarding.validation import iccid_error, luhn_check_digit

from .test_onboarding import REGISTER, seed_sandbox


@pytest.mark.parametrize("prefix", ["8988307", "8910392"])
def test_both_hardware_prefixes_pass_validation(prefix):
    body = prefix + "0012345678901"  # 19 digits + the check digit
    assert iccid_error(body + luhn_check_digit(body)) is None
    wrong = str((int(luhn_check_digit(body)) + 1) % 10)
    assert "Luhn" in iccid_error(body + wrong)


@pytest.mark.django_db(transaction=True)
def test_a_new_hardware_sim_registers_from_the_sandbox_inventory(sandbox_api, operator_client):
    pairs = seed_sandbox()
    assert {iccid[:7] for iccid, _ in pairs} == {"8988307", "8910392"}  # the inventory has both
    iccid, code = next((i, c) for i, c in pairs if i.startswith("8910392"))
    response = operator_client.post(
        REGISTER,
        {"iccid": iccid, "registration_code": code},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="sim-register",
    )
    assert response.status_code == 200, response.content.decode()
    sim = Sim.objects.get(iccid=iccid)
    assert sim.sid.startswith("HS") and sim.status == "new"
    assert f'data-registered-sid="{sim.sid}"' in response.content.decode()
