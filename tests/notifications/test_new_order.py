"""A paid order on the partner's page: one notification and one e-mail, at most
once, with nothing of the customer but a first name and an initial."""

from decimal import Decimal

import pytest
from django.core import mail

from notifications import tasks
from notifications.models import Notification
from orders.events import order_event_recorded
from orders.models import Order, OrderEvent
from orders.services import order_mark_paid
from tests.factories import CustomerFactory, OrderFactory

pytestmark = pytest.mark.django_db


def paid_order(anna, committed, **kwargs):
    customer = CustomerFactory(email="maria.schulz@example.org", first_name="Maria")
    order = OrderFactory(
        attributed_partner=anna,
        customer=customer,
        first_name="Maria",
        last_name="Schulz",
        street="Rosenweg 12",
        postal_code="50667",
        city="Köln",
        price_total=Decimal("49.90"),
        **kwargs,
    )
    mail.outbox.clear()
    with committed():
        order_mark_paid(order=order)
    return order


def test_paid_order_notifies_the_partner_once_by_list_and_mail(anna, committed, english):
    order = paid_order(anna, committed)

    notification = Notification.objects.get(partner=anna)
    assert notification.kind == "order_new"
    assert notification.text == f"New order {order.number} from Maria S.: 49.90 €"
    assert [m.to for m in mail.outbox if m.to == [anna.user.email]] == [[anna.user.email]]

    # The signal again (a replayed event) and the task again (a retry): nothing new.
    event = OrderEvent.objects.get(order=order, kind="paid")
    with committed():
        order_event_recorded.send(sender=OrderEvent, event=event)
    tasks.notify_order_paid(event.pk)
    tasks.notification_emails_send([notification.pk])

    assert Notification.objects.filter(partner=anna).count() == 1
    assert len([m for m in mail.outbox if m.to == [anna.user.email]]) == 1


def test_new_order_notice_holds_no_customer_personal_data(anna, committed, english):
    paid_order(anna, committed)

    notification = Notification.objects.get(partner=anna)
    message = next(m for m in mail.outbox if m.to == [anna.user.email])
    for shown in (notification.text, message.subject, message.body):
        assert "Maria S." in shown
    for shown in (str(notification.params), notification.text, message.subject, message.body):
        for secret in ("Schulz", "maria.schulz", "Rosenweg", "50667", "Köln"):
            assert secret not in shown
    assert set(notification.params) == {"number", "customer", "total"}


def test_own_order_and_order_without_partner_notify_nobody(anna, committed):
    paid_order(anna, committed, attribution=Order.Attribution.SELF)
    with committed():
        order_mark_paid(order=OrderFactory())

    assert not Notification.objects.exists()


def test_order_rolled_back_notifies_nobody(anna, committed):
    order = OrderFactory(attributed_partner=anna)
    with committed():
        try:
            from django.db import transaction

            with transaction.atomic():
                order_mark_paid(order=order)
                raise RuntimeError("payment failed after all")
        except RuntimeError:
            pass

    assert not Notification.objects.exists()
