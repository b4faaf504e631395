"""A paid order on the partner's page: one notification and one e-mail, at most
once, with nothing of the customer but a first name and an initial."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone

from notifications import tasks
from notifications.models import Notification
from orders.events import order_event_recorded
from orders.models import Order, OrderEvent
from orders.services import order_mark_paid
from privacy.models import SubjectKind
from privacy.services import person_erase
from tests.factories import CustomerFactory, OrderFactory

pytestmark = pytest.mark.django_db


def paid_order(anna, committed, first_name="Maria", last_name="Schulz", paid_at=None, **kwargs):
    customer = CustomerFactory(
        email=f"{first_name}.{last_name}@example.org".lower(), first_name=first_name
    )
    order = OrderFactory(
        attributed_partner=anna,
        customer=customer,
        first_name=first_name,
        last_name=last_name,
        street="Rosenweg 12",
        postal_code="50667",
        city="Köln",
        price_total=Decimal("49.90"),
        **kwargs,
    )
    mail.outbox.clear()
    with committed():
        order_mark_paid(order=order, paid_at=paid_at)
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
    # The customer's id (no personal data itself) lets their erasure find the notice.
    assert set(notification.params) == {"number", "customer", "customer_id", "total"}


def test_erasing_the_customer_cuts_their_name_out_of_the_partners_notice(anna, committed, english):
    order = paid_order(anna, committed)
    other = paid_order(anna, committed, first_name="Eva", last_name="Meier")

    person_erase(subject_kind=SubjectKind.CUSTOMER, subject_id=order.customer_id)

    erased = Notification.objects.get(key=f"order:{order.pk}")
    assert "Maria" not in erased.text
    assert erased.text == f"New order {order.number} from [gelöscht] S.: 49.90 €"
    kept = Notification.objects.get(key=f"order:{other.pk}")
    assert kept.text == f"New order {other.number} from Eva M.: 49.90 €"


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


def test_notices_written_before_the_customer_id_get_it_from_their_order(anna, committed):
    from importlib import import_module

    from django.apps import apps

    order = paid_order(anna, committed)
    notice = Notification.objects.get(partner=anna)
    Notification.objects.filter(pk=notice.pk).update(
        params={k: v for k, v in notice.params.items() if k != "customer_id"}
    )

    migration = import_module("notifications.migrations.0002_notices_name_their_customer")
    migration.name_the_customer(apps, None)

    notice.refresh_from_db()
    assert notice.params["customer_id"] == order.customer_id
    person_erase(subject_kind=SubjectKind.CUSTOMER, subject_id=order.customer_id)
    notice.refresh_from_db()
    assert "Maria" not in notice.params["customer"]


def test_the_list_tells_and_sorts_by_when_the_order_was_paid_not_when_the_notice_was_made(
    anna, anna_client, committed
):
    berlin = ZoneInfo("Europe/Berlin")
    september = paid_order(anna, committed, paid_at=datetime(2026, 9, 15, 10, 30, tzinfo=berlin))
    october = paid_order(
        anna, committed, first_name="Eva", paid_at=datetime(2026, 10, 2, 18, 5, tzinfo=berlin)
    )
    # The September order's notice is made last (a late payment import, a retry).
    Notification.objects.filter(key=f"order:{september.pk}").update(created_at=timezone.now())

    html = anna_client.get("/dashboard/notifications/", HTTP_ACCEPT_LANGUAGE="de").content.decode()

    assert html.index(october.number) < html.index(september.number)
    assert 'datetime="2026-09-15T10:30:00+02:00"' in html
    assert "15.09.2026 10:30" in html
