from decimal import Decimal

import pytest
from django.core import mail

from orders.girocode import girocode, girocode_payload
from tests.orders.helpers import checkout

pytestmark = pytest.mark.django_db

PAYMENT = {
    "method": "prepayment",
    "account_holder": "Lumen Naturkosmetik",
    "iban": "DE02 1203 0000 0000 2020 51",
    "bic": "BYLADEM1001",
    "reference": "2026-K7Q4MX",
    "amount": Decimal("34.8"),
}


def test_girocode_payload_follows_the_epc_standard():
    assert girocode_payload(payment=PAYMENT).split("\n") == [
        "BCD",
        "002",
        "1",
        "SCT",
        "BYLADEM1001",
        "Lumen Naturkosmetik",
        "DE02120300000000202051",
        "EUR34.80",
        "",
        "",
        "2026-K7Q4MX",
    ]


def test_girocode_uses_error_level_m_and_at_most_version_13():
    code = girocode(payment=PAYMENT)
    assert code.error == "M"
    assert code.version <= 13


def test_prepayment_confirmation_page_and_email_carry_the_girocode(
    client, soap, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = checkout(client, soap)
    page = client.get(f"/order/{order.number}/").content.decode()
    assert 'data-testid="girocode"' in page and "<svg" in page
    html = mail.outbox[-1].alternatives[0][0]
    assert 'src="data:image/png;base64,' in html


def test_paid_order_shows_no_girocode(client, soap):
    order = checkout(client, soap)
    order.status = "paid"
    order.save(update_fields=["status"])
    page = client.get(f"/order/{order.number}/").content.decode()
    assert 'data-testid="girocode"' not in page


def test_girocode_svg_is_drawn_once_per_payment_and_the_same_bytes_after(monkeypatch):
    from django.core.cache import cache

    import orders.girocode as module

    cache.clear()
    drawn = []
    make_qr = module.segno.make_qr
    monkeypatch.setattr(
        module.segno, "make_qr", lambda *a, **kw: drawn.append(1) or make_qr(*a, **kw)
    )
    first = module.girocode_svg(payment=PAYMENT, title="GiroCode")
    again = module.girocode_svg(payment=PAYMENT, title="GiroCode")
    other = module.girocode_svg(payment={**PAYMENT, "amount": Decimal("35.00")}, title="GiroCode")
    assert again == first and "<svg" in first
    assert other != first
    assert len(drawn) == 2  # the reload drew nothing
