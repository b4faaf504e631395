"""Subscribing: mandate stored with its text, attribution by the spec's rules,
bad input changes nothing."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from orders.attribution import Referral
from orders.models import Customer, Order
from payouts.models import DebitMandate, OrderDebit
from subscriptions.models import Subscription
from tests.factories import CustomerFactory, PartnerFactory

TODAY = date(2026, 1, 10)


def test_subscription_stores_the_mandate_with_the_text_shown(
    subscribe, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        subscription = subscribe(first_date=TODAY + timedelta(days=5))
    mandate = subscription.mandate
    assert mandate.iban == "DE89370400440532013000"
    assert mandate.account_holder == "Kim Kunde"
    assert "SEPA-Lastschriftmandat" in mandate.mandate_text
    assert mandate.reference.startswith("MD-")
    assert subscription.anchor_day == 15 and subscription.next_date == date(2026, 1, 15)
    assert subscription.discount_percent == Decimal("10.00")
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert subscription.number in mail.subject
    assert mandate.reference in mail.body and "/abo/m/" in mail.body
    assert "54,00" in mail.body  # 2 x 30.00 less 10 %, shipping free from 50.00
    assert not Order.objects.exists()  # the first delivery is in five days


def test_bad_iban_is_a_field_error_and_saves_nothing(subscribe):
    with pytest.raises(ValidationError) as exc:
        subscribe(iban="DE00 1234")
    assert "iban" in exc.value.message_dict
    assert not Subscription.objects.exists()
    assert not DebitMandate.objects.exists()
    assert not Customer.objects.exists()


def test_first_date_in_the_past_or_too_far_is_refused(subscribe):
    with pytest.raises(ValidationError) as exc:
        subscribe(first_date=TODAY - timedelta(days=1))
    assert "first_date" in exc.value.message_dict
    with pytest.raises(ValidationError):
        subscribe(first_date=TODAY + timedelta(days=200))
    assert not Subscription.objects.exists()


def test_first_date_today_creates_the_first_order_and_its_debit(subscribe):
    subscription = subscribe(first_date=TODAY)
    order = Order.objects.get()
    assert order.payment_method == Order.PaymentMethod.DIRECT_DEBIT
    assert order.status == Order.Status.PENDING
    debit = OrderDebit.objects.get(order=order)
    assert debit.mandate == subscription.mandate and debit.due_date == TODAY
    subscription.refresh_from_db()
    assert subscription.next_date == date(2026, 2, 10)


def test_landing_referral_attributes_and_binds_the_customer(subscribe):
    anna = PartnerFactory(slug="anna")
    subscription = subscribe(referral=Referral(slug="anna", seen_at=_now()))
    assert subscription.partner == anna
    assert subscription.attribution == Order.Attribution.LANDING
    assert Customer.objects.get(email="kim@example.org").bound_partner == anna


def test_lifetime_binding_beats_the_page_the_customer_came_through(subscribe):
    anna, bert = PartnerFactory(slug="anna"), PartnerFactory(slug="bert")
    CustomerFactory(email="kim@example.org", bound_partner=bert)
    subscription = subscribe(referral=Referral(slug="anna", seen_at=_now()))
    assert subscription.partner == bert
    assert subscription.attribution == Order.Attribution.BOUND
    assert anna.subscriptions.count() == 0


def test_unknown_partner_code_is_refused(subscribe):
    with pytest.raises(ValidationError) as exc:
        subscribe(data={"partner_code": "nobody"})
    assert "partner_code" in exc.value.message_dict


def _now():
    from django.utils import timezone

    return timezone.now()


def test_discount_set_by_the_admin_applies_to_new_subscriptions_only(subscribe):
    from subscriptions.models import SubscriptionTerms

    before = subscribe(first_date=TODAY + timedelta(days=5))
    SubscriptionTerms.objects.create(discount_percent=Decimal("15"))
    after = subscribe(first_date=TODAY + timedelta(days=5), data={"email": "b@example.org"})
    assert (before.discount_percent, after.discount_percent) == (Decimal("10.00"), Decimal("15"))
