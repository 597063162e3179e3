"""QR codes: the PNG decodes back to the activation code (zxing-cpp), the SVG is CSP-safe."""

from __future__ import annotations

import io

import pytest
import zxingcpp
from PIL import Image

from apps.esims.qr import qr_png, qr_svg
from apps.esims.tests.factories import EsimProfileFactory

CODE = "LPA:1$sm-dp-plus.sandbox.supersim.invalid$0A1B2C3D4E5F60718293"


def decode(png: bytes) -> str:
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert len(results) == 1
    assert results[0].format == zxingcpp.BarcodeFormat.QRCode
    return results[0].text


def test_png_decodes_back_to_the_activation_code():
    assert decode(qr_png(CODE)) == CODE


def test_svg_is_csp_safe():
    svg = qr_svg(CODE, title="QR")
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"') and "viewBox" in svg
    assert "style=" not in svg and "<script" not in svg and "<style" not in svg


@pytest.mark.django_db
def test_png_and_svg_downloads(viewer_client):
    profile = EsimProfileFactory(activation_code=CODE, status="available")
    png = viewer_client.get(f"/esims/{profile.sid}/qr.png")
    assert png["Content-Type"] == "image/png"
    assert png["Content-Disposition"] == f'attachment; filename="esim-{profile.sid}.png"'
    assert decode(png.content) == CODE
    svg = viewer_client.get(f"/esims/{profile.sid}/qr.svg")
    assert svg["Content-Type"] == "image/svg+xml" and b"style=" not in svg.content
    assert "Content-Disposition" not in svg
    assert "attachment" in viewer_client.get(f"/esims/{profile.sid}/qr.svg?download=1")["Content-Disposition"]
    # the page shows it inline, with the code as text
    page = viewer_client.get(f"/esims/{profile.sid}/").content.decode()
    assert 'class="esim-qr"' in page and CODE in page and f"/esims/{profile.sid}/qr.png" in page


@pytest.mark.django_db
def test_no_qr_code_before_the_profile_is_available(viewer_client):
    profile = EsimProfileFactory(status="reserving", activation_code="", matching_id="")
    assert viewer_client.get(f"/esims/{profile.sid}/qr.png").status_code == 404
    assert viewer_client.get(f"/esims/{profile.sid}/qr.svg").status_code == 404
    assert 'class="esim-qr"' not in viewer_client.get(f"/esims/{profile.sid}/").content.decode()
