"""GiroCode (EPC QR code, version 002): a banking app scans it and fills in the
transfer for a prepayment order: recipient, IBAN, BIC, amount and reference."""

from __future__ import annotations

import base64
import hashlib
import io
from decimal import Decimal

import segno
from django.core.cache import cache

# The SVG depends only on the payment data (and the title): drawn once per order,
# then read from the cache on every reload of the confirmation page.
SVG_CACHE_SECONDS = 7 * 24 * 3600


def girocode_payload(*, payment: dict) -> str:
    """The EPC069-12 text: service tag, version 002, UTF-8, SEPA credit transfer,
    BIC, recipient (70), IBAN, amount in EUR, no purpose code, no structured
    reference, the order number as unstructured remittance (140)."""
    amount = Decimal(payment["amount"]).quantize(Decimal("0.01"))
    return "\n".join(
        [
            "BCD",
            "002",
            "1",
            "SCT",
            str(payment.get("bic") or "").replace(" ", ""),
            str(payment["account_holder"])[:70],
            str(payment["iban"]).replace(" ", ""),
            f"EUR{amount}",
            "",
            "",
            str(payment["reference"])[:140],
        ]
    )


def girocode(*, payment: dict) -> segno.QRCode:
    """The EPC QR code of a prepayment's instructions (orders.payments); the
    standard asks for error correction level M and at most version 13."""
    return segno.make_qr(girocode_payload(payment=payment), error="m", boost_error=False)


def girocode_svg(*, payment: dict, title: str = "") -> str:
    """The GiroCode as SVG. Drawing it (segno scores all eight masks) is the
    confirmation page's costliest part, so it is kept in the cache under a hash of
    what it shows."""
    payload = girocode_payload(payment=payment)
    digest = hashlib.sha256(f"{payload}\0{title}".encode()).hexdigest()
    key = f"girocode:svg:{digest}"
    svg = cache.get(key)
    if svg is None:
        out = io.BytesIO()
        girocode(payment=payment).save(
            out, kind="svg", scale=4, xmldecl=False, svgns=True, title=title or None, border=2
        )
        svg = out.getvalue().decode()
        cache.set(key, svg, SVG_CACHE_SECONDS)
    return svg


def girocode_png_data_uri(*, payment: dict) -> str:
    out = io.BytesIO()
    girocode(payment=payment).save(out, kind="png", scale=4, border=2)
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()
