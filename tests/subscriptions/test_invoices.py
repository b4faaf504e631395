"""A subscription's cycle order is invoiced by the same code as a checkout: the
collected debit pays it and issues the invoice, a returned debit refunds it and
issues the correction."""

from datetime import date

from django.utils import timezone

from invoices.models import Invoice
from orders.models import Order
from payouts.models import OrderDebit
from payouts.services import (
    debit_collection_approve,
    debit_collection_prepare,
    debit_collection_submit,
    order_debit_collect,
    order_debit_return,
)
from tests.factories import UserFactory


def test_a_collected_cycle_gets_its_invoice_and_a_returned_debit_its_correction(subscribe):
    admin = UserFactory(is_staff=True, is_superuser=True)
    approver = UserFactory(is_staff=True, is_superuser=True)
    subscribe(today=date(2026, 2, 2), first_date=date(2026, 2, 2))
    collection = debit_collection_prepare(
        collection_date=date(2026, 2, 4), actor=admin, today=date(2026, 2, 2)
    )
    collection = debit_collection_approve(
        collection=collection, actor=approver, today=date(2026, 2, 2)
    )
    debit_collection_submit(collection=collection, actor=approver)
    debit = OrderDebit.objects.get()
    order = Order.objects.get()
    assert not Invoice.objects.filter(order=order).exists()  # not paid yet

    order_debit_collect(debit=debit, collected_on=date(2026, 2, 4))

    invoice = Invoice.objects.get(order=order)
    assert invoice.total == order.total == debit.amount
    assert invoice.number == f"RE-{timezone.localdate().year}-000001"

    order_debit_return(debit=debit, reason="AM04", returned_on=date(2026, 2, 10))

    correction = Invoice.objects.get(corrects=invoice)
    assert correction.total == invoice.total
