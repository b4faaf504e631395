"""Two orders paid at the same moment (PostgreSQL row locks): invoice numbers
stay gapless and unique, and a payment that rolls back gives its number back."""

import threading
import time
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from invoices.models import Invoice
from orders.services import order_mark_paid
from tests.factories import OrderFactory
from tests.integration.threads import in_thread

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("worker_drained"),
]


def numbers():
    return sorted(Invoice.objects.values_list("number", flat=True))


def expected(*sequence):
    return [f"RE-{timezone.localdate().year}-{n:06d}" for n in sequence]


def test_two_concurrent_payments_draw_gapless_unique_invoice_numbers():
    first = OrderFactory(price_total=Decimal("30.00"))
    second = OrderFactory(price_total=Decimal("20.00"))
    paid, commit = threading.Event(), threading.Event()

    def pay_first():
        with transaction.atomic():
            order_mark_paid(order=first)
            paid.set()
            commit.wait(10)  # hold the counter row while the other payment comes in

    first_thread, first_errors = in_thread(pay_first)
    assert paid.wait(20)
    second_thread, second_errors = in_thread(lambda: order_mark_paid(order=second))
    time.sleep(1.0)
    assert second_thread.is_alive(), "the second payment must wait for the counter row"
    commit.set()
    first_thread.join(20)
    second_thread.join(20)
    assert not first_errors and not second_errors

    assert numbers() == expected(1, 2)
    assert Invoice.objects.get(order=first).number == expected(1)[0]
    assert Invoice.objects.get(order=second).total == Decimal("20.00")


def test_a_payment_that_rolls_back_leaves_no_gap():
    first, second = OrderFactory(), OrderFactory()
    paid, go_on = threading.Event(), threading.Event()

    def pay_then_fail():
        with transaction.atomic():
            order_mark_paid(order=first)
            paid.set()
            go_on.wait(10)
            raise RuntimeError("the payment provider said no after all; roll back")

    first_thread, first_errors = in_thread(pay_then_fail)
    assert paid.wait(20)
    second_thread, second_errors = in_thread(lambda: order_mark_paid(order=second))
    time.sleep(1.0)
    go_on.set()
    first_thread.join(20)
    second_thread.join(20)
    assert len(first_errors) == 1 and not second_errors

    assert numbers() == expected(1)
    assert Invoice.objects.get().order_id == second.pk
