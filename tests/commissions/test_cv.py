"""Commissionable value (commissions.md section 1): products, order lines,
the ledger, refunds and the order import."""

from decimal import Decimal

import pytest

from orders.models import Product
from orders.services import order_mark_paid, order_place, order_refund
from qualification.models import Period, VolumeEntry
from qualification.services import period_close, period_recompute
from tests.commissions.conftest import berlin
from tests.factories import PartnerFactory, ProductFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

CUSTOMER = {
    "email": "kunde@example.org",
    "first_name": "Karla",
    "last_name": "Kundin",
    "street": "Lindenweg 5",
    "postal_code": "10115",
    "city": "Berlin",
    "country": "DE",
}


def test_a_new_products_cv_is_proposed_as_its_net_price_and_can_be_changed(admin_client):
    form = {
        "name": "Seife",
        "description": "",
        "price": "12.50",
        "tax_class": "standard",
        "qv": "10",
        "cv": "",
        "is_active": "on",
        "sort_order": "1",
    }
    response = admin_client.post("/admin/orders/product/add/", form)
    assert response.status_code == 302
    assert Product.objects.get(name="Seife").cv == Decimal("10.50")  # 12.50 / 1.19 = 10.504..

    response = admin_client.post(
        "/admin/orders/product/add/", dict(form, name="Creme", tax_class="reduced", cv="4.00")
    )
    assert response.status_code == 302
    assert Product.objects.get(name="Creme").cv == Decimal("4.00")


def test_order_lines_copy_the_unit_cv_and_later_product_edits_change_nothing(committed):
    partner = PartnerFactory(slug="anna")
    soap = ProductFactory(price=Decimal("12.50"), qv=Decimal("10"), cv=Decimal("10.50"))
    order = order_place(cart_lines={soap.pk: 3}, customer_data={**CUSTOMER, "partner_code": "anna"})
    soap.cv = Decimal("1.00")
    soap.save()

    line = order.lines.get()
    assert (line.unit_cv, order.cv) == (Decimal("10.50"), Decimal("31.50"))
    with committed():
        order_mark_paid(order=order)
    entry = VolumeEntry.objects.get(order=order)
    assert (entry.partner_id, entry.cv) == (partner.pk, Decimal("31.50"))


def test_a_refund_books_the_negative_cv_of_what_was_refunded(committed):
    PartnerFactory(slug="anna")
    soap = ProductFactory(price=Decimal("12.50"), qv=Decimal("10"), cv=Decimal("10.50"))
    order = order_place(cart_lines={soap.pk: 3}, customer_data={**CUSTOMER, "partner_code": "anna"})
    with committed():
        order_mark_paid(order=order)
    with committed():
        refund = order_refund(order=order, quantities={order.lines.get().pk: 2})

    assert refund.cv == Decimal("21.00")
    assert [e.cv for e in VolumeEntry.objects.filter(order=order).order_by("pk")] == [
        Decimal("31.50"),
        Decimal("-21.00"),
    ]


def test_a_late_refund_books_negative_cv_into_the_open_period(committed, sell, plan):
    anna = PartnerFactory(slug="anna")
    order = sell(anna, 100, "80.00", berlin(2026, 9, 5))
    september = Period.objects.get(start="2026-09-01")
    period_recompute(period=september)
    period_close(period=september)

    with committed():
        order_refund(order=order)

    late = VolumeEntry.objects.filter(order=order).order_by("pk").last()
    assert late.cv == Decimal("-80.00") and late.period.is_open and late.period != september


@pytest.mark.django_db(transaction=True)
def test_import_orders_takes_an_optional_cv_column(tmp_path):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    PartnerFactory(slug="anna", external_id="anna")
    header = "external_id,customer_email,partner_external_id,paid_at,currency,total,qv,refunded_at"
    with_cv = tmp_path / "with.csv"
    with_cv.write_text(
        header + ",cv\nA-1,k@example.org,anna,2026-09-10T10:00:00+02:00,EUR,100.00,80,,70.00\n",
        encoding="utf-8",
    )
    without = tmp_path / "without.csv"
    without.write_text(
        header + "\nA-2,k@example.org,anna,2026-09-10T10:00:00+02:00,EUR,100.00,80,\n",
        encoding="utf-8",
    )
    bad = tmp_path / "bad.csv"
    bad.write_text(
        header + ",cv\nA-3,k@example.org,anna,2026-09-10T10:00:00+02:00,EUR,100.00,80,,-1\n",
        encoding="utf-8",
    )

    call_command("import_orders", str(with_cv), "--no-progress", stdout=None)
    call_command("import_orders", str(without), "--no-progress")
    with pytest.raises(CommandError) as info:
        call_command("import_orders", str(bad), "--no-progress")

    assert {e.order.external_id: e.cv for e in VolumeEntry.objects.select_related("order")} == {
        "A-1": Decimal("70.00"),
        "A-2": Decimal("0.00"),
    }
    assert (
        "cv" in str(info.value)
        and not VolumeEntry.objects.filter(order__external_id="A-3").exists()
    )
