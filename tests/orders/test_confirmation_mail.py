"""The confirmation mail never stands between the customer and the confirmation
page: it is written to an outbox in the order's transaction, sent by a task after
commit and, when the broker could not take that task, by the periodic sweep."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from kombu.exceptions import OperationalError

from orders import tasks
from orders.models import Order, OrderMail
from tests.orders.helpers import checkout

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker_down(monkeypatch):
    def unreachable(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6399. Connection refused.")

    monkeypatch.setattr(tasks.order_confirmation_send, "delay", unreachable)
    monkeypatch.setattr(tasks.order_confirmation_send, "apply_async", unreachable)


def age_the_outbox():
    OrderMail.objects.update(created_at=timezone.now() - timedelta(minutes=5))


def test_broker_down_the_customer_still_gets_the_confirmation_page_and_the_mail_comes_later(
    client, soap, broker_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = checkout(client, soap)
    page = client.get(f"/order/{order.number}/")
    assert page.status_code == 200 and order.number in page.content.decode()
    assert Order.objects.filter(number=order.number).exists()
    assert mail.outbox == []

    tasks.order_confirmations_sweep()  # too fresh: the task may still be on its way
    assert mail.outbox == []
    age_the_outbox()
    tasks.order_confirmations_sweep()
    tasks.order_confirmations_sweep()
    assert len(mail.outbox) == 1 and order.number in mail.outbox[0].subject
    assert mail.outbox[0].to == ["kunde@example.org"]


def test_a_mail_sent_after_commit_is_not_sent_again_by_the_sweep(
    client, soap, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = checkout(client, soap)
    assert len(mail.outbox) == 1
    assert OrderMail.objects.get(order=order).sent_at is not None
    age_the_outbox()
    tasks.order_confirmations_sweep()
    assert len(mail.outbox) == 1


def test_smtp_trouble_leaves_the_mail_in_the_outbox_for_the_sweep(
    place, monkeypatch, django_capture_on_commit_callbacks
):
    from orders import emails

    real_send = emails.order_confirmation_email_send

    def smtp_down(*, order):
        raise ConnectionRefusedError("SMTP server down")

    monkeypatch.setattr(emails, "order_confirmation_email_send", smtp_down)
    with django_capture_on_commit_callbacks(execute=True):
        order = place()
    assert mail.outbox == [] and OrderMail.objects.get(order=order).sent_at is None

    monkeypatch.setattr(emails, "order_confirmation_email_send", real_send)
    age_the_outbox()
    tasks.order_confirmations_sweep()
    assert len(mail.outbox) == 1


def test_imported_orders_get_no_confirmation_mail(place):
    from tests.factories import OrderFactory

    OrderFactory()
    tasks.order_confirmations_sweep(min_age_seconds=0)
    assert mail.outbox == []
