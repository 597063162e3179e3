"""The sandbox's unclaimed SIMs, to try onboarding with: ``manage.py sandbox_inventory``, the authenticated
``GET /sandbox/_control/inventory``, and ``sandbox_seed --if-empty`` printing pairs on every run."""

from __future__ import annotations

import re
from io import StringIO

import pytest
import requests
from django.core.management import call_command

from apps.sandbox.models import InventorySim
from apps.sandbox.seed import seed

pytestmark = pytest.mark.django_db(transaction=True)

PAIR = re.compile(r"Iccid=(\d+)\s+RegistrationCode=(\w+)")


def unclaimed() -> list[tuple[str, str]]:
    return list(
        InventorySim.objects.filter(claimed=False).order_by("id").values_list("iccid", "registration_code")
    )


def test_inventory_control_endpoint(sandbox):
    control = sandbox.url("/_control/inventory")
    assert requests.get(control).status_code == 401
    body = sandbox.get("/_control/inventory", params={"count": 4}).json()
    assert body["unclaimed"] == 10
    assert [(s["iccid"], s["registration_code"]) for s in body["sims"]] == unclaimed()[:4]
    bad = sandbox.get("/_control/inventory", params={"count": "lots"})
    assert bad.status_code == 400 and "count" in bad.json()["message"]
    assert sandbox.post("/_control/inventory").status_code == 405


def test_sandbox_inventory_lists_unclaimed_pairs():
    seed(sims=10, fleets=2, seed=5, inventory=8)
    first = InventorySim.objects.order_by("id").first()
    first.claimed = True
    first.save()
    out = StringIO()
    call_command("sandbox_inventory", count=3, stdout=out)
    assert "7 unclaimed SIM(s)" in out.getvalue()
    assert PAIR.findall(out.getvalue()) == unclaimed()[:3]
    out = StringIO()
    call_command("sandbox_inventory", "--csv", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "iccid,registration_code"
    assert [tuple(line.split(",")) for line in lines[1:]] == unclaimed()


def test_seed_if_empty_prints_pairs_on_every_run():
    call_command("sandbox_seed", sims=10, fleets=2, seed=5, inventory=4, stdout=StringIO())
    again = StringIO()
    call_command("sandbox_seed", sims=10, fleets=2, seed=5, if_empty=True, stdout=again)
    assert "already seeded" in again.getvalue()
    assert PAIR.findall(again.getvalue()) == unclaimed()
