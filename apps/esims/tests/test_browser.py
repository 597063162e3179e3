"""Tier 3: an operator creates an eSIM profile in Chromium and watches it become available (htmx polling),
with its QR code inline; the print sheet renders; no CSP violation or script error."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from apps.core.testing import browser_login
from apps.esims.models import EsimProfile

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EID = "89049032005008882600033418894366"


def _decode_qr(png: bytes) -> list[str]:
    """The texts of the QR codes in a screenshot (zxing-cpp, as a phone's reader)."""
    import zxingcpp
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("L")
    return [r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode]


def test_operator_creates_a_profile_and_sees_its_qr_code(
    page, live_server, sandbox_api, operator, output_dir, settings
):
    call_command("sandbox_seed", sims=30, fleets=3, seed=7, stdout=io.StringIO())
    settings.SANDBOX_SCHEDULE_DELAY_SECONDS = 3  # long enough to see it reserving on a loaded machine
    browser_login(page, live_server, "operator1")
    page.goto(f"{live_server.url}/esims/new/")

    page.fill("input[name=eid]", "1234")
    page.get_by_role("button", name="Create profile").click()
    error = page.locator("[data-field-error=eid]")
    error.wait_for()
    assert "exactly 32 digits long; this one has 4" in error.inner_text()

    page.fill("input[name=eid]", EID)
    page.get_by_role("button", name="Create profile").click()
    page.wait_for_url(f"{live_server.url}/esims/HP*/")
    profile = EsimProfile.objects.get()
    status = page.locator("[data-esim-status]")
    assert status.inner_text() in ("New", "Reserving")
    page.screenshot(path=str(output_dir / "reserving.png"), full_page=True)

    page.locator("#esim-status[data-status=available]").wait_for(timeout=20000)
    profile.refresh_from_db()
    assert profile.status == "available"
    assert page.locator("[data-activation-code]").inner_text() == profile.activation_code
    qr = page.locator("figure[data-qr] svg.esim-qr")
    assert qr.count() == 1 and qr.bounding_box()["width"] > 100
    # the QR code as the browser draws it (a phone's camera would read this) holds the activation code
    assert _decode_qr(qr.screenshot()) == [profile.activation_code]
    page.screenshot(path=str(output_dir / "available.png"), full_page=True)

    # select it on the list and open the print sheet
    page.goto(f"{live_server.url}/esims/?status=available")
    page.check(f"input[name=sid][value='{profile.sid}']")
    page.get_by_role("button", name="Print QR codes of selected").click()
    page.wait_for_url(f"{live_server.url}/esims/print/*")
    assert page.locator(f".esim-card[data-sid='{profile.sid}'] svg.esim-qr").count() == 1
    page.emulate_media(media="print")
    assert page.locator("nav.navbar").is_hidden()
    page.screenshot(path=str(output_dir / "print-sheet.png"), full_page=True)
    assert [e for e in page.errors if "status of 422" not in e] == []
