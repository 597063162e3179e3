"""QR codes of eSIM activation codes, made server-side with segno (SVG inline in pages, PNG to download).

The SVG has no ``style=`` attribute (the Content-Security-Policy forbids inline styles): segno writes
presentation attributes (``stroke``, ``fill``) only, which the policy allows.
"""

from __future__ import annotations

import io

import segno


def qr_make(activation_code: str) -> segno.QRCode:
    # error correction M: what GSMA SGP.22 examples use; segno picks the smallest version that fits
    return segno.make(activation_code, error="m", micro=False)


def qr_svg(activation_code: str, *, scale: int = 4, title: str = "") -> str:
    """An SVG element to put inline in a page (sized by its viewBox; CSS gives it its width)."""
    buf = io.BytesIO()
    qr_make(activation_code).save(
        buf,
        kind="svg",
        scale=scale,
        border=4,
        dark="#000",
        light="#fff",
        xmldecl=False,
        svgns=True,
        omitsize=True,
        title=title or None,
        svgclass="esim-qr",
        lineclass="esim-qr-line",
    )
    svg = buf.getvalue().decode()
    if "style=" in svg:  # never: checked in tests, kept as a guard against a future segno change
        raise ValueError("segno produced an inline style")
    return svg


def qr_png(activation_code: str, *, scale: int = 8) -> bytes:
    buf = io.BytesIO()
    qr_make(activation_code).save(buf, kind="png", scale=scale, border=4, dark="#000", light="#fff")
    return buf.getvalue()
