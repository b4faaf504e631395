"""SEPA direct debit mandates and scheduling an order's debit (the interface
the subscriptions use)."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from orders.models import Order
from payouts.models import DebitMandate, OrderDebit
from payouts.services import (
    debit_mandate_create,
    debit_mandate_revoke,
    mandate_text,
    order_debit_schedule,
)
from payouts.validators import creditor_id_normalise, sepa_id_check
from tests.factories import CustomerFactory, OrderFactory

IBAN = "DE89 3704 0044 0532 0130 00"


def mandate_for(customer, **overrides) -> DebitMandate:
    data = {
        "customer": customer,
        "account_holder": "Klara Kunde",
        "iban": IBAN,
        "mandate_text": mandate_text(language="de"),
        "language": "de",
    }
    data.update(overrides)
    return debit_mandate_create(**data)


def test_mandate_text_names_company_creditor_id_and_refund_right(settings):
    settings.COMPANY_NAME = "Lumen Naturkosmetik GmbH"
    settings.SEPA_CREDITOR_ID = "DE98 ZZZ0 9999 9999 99"
    german = mandate_text(language="de")
    english = mandate_text(language="en")
    assert "Ich ermächtige Lumen Naturkosmetik GmbH" in german
    assert "Gläubiger-Identifikationsnummer: DE98ZZZ09999999999" in german
    assert "acht Wochen" in german
    assert "you authorise (A) Lumen Naturkosmetik GmbH" in english
    assert "Creditor identifier: DE98ZZZ09999999999" in english
    with pytest.raises(ValidationError):
        mandate_text(language="fr")


def test_mandate_stores_the_text_as_shown_with_normalised_iban(db):
    customer = CustomerFactory()
    shown = mandate_text(language="en")
    mandate = mandate_for(
        customer, mandate_text=shown, language="en", account_holder="  Klara   Kunde "
    )
    mandate.refresh_from_db()
    assert mandate.mandate_text == shown
    assert mandate.iban == "DE89370400440532013000"
    assert mandate.account_holder == "Klara Kunde"
    assert mandate.language == "en"
    assert mandate.status == DebitMandate.Status.ACTIVE
    assert mandate.kind == DebitMandate.Kind.RECURRENT
    assert mandate.signed_at is not None
    assert mandate.first_collected_at is None
    assert mandate.creditor_id == "DE98ZZZ09999999999"


def test_mandate_reference_is_unique_short_and_in_the_sepa_charset(db):
    customer = CustomerFactory()
    references = {mandate_for(customer).reference for _ in range(20)}
    assert len(references) == 20
    for reference in references:
        assert len(reference) <= 35
        assert sepa_id_check(reference)


@pytest.mark.parametrize(
    ("field", "overrides"),
    [
        ("iban", {"iban": "DE89 3704 0044 0532 0130 01"}),  # wrong check digits
        ("iban", {"iban": ""}),
        ("iban", {"iban": "US12 3456"}),
        ("account_holder", {"account_holder": "   "}),
        ("mandate_text", {"mandate_text": ""}),
        ("language", {"language": "fr"}),
    ],
)
def test_a_bad_mandate_is_refused_with_a_message_and_nothing_saved(db, field, overrides):
    customer = CustomerFactory()
    with pytest.raises(ValidationError) as caught:
        mandate_for(customer, **overrides)
    assert field in caught.value.message_dict
    assert caught.value.message_dict[field][0]
    assert not DebitMandate.objects.exists()


def test_a_non_sepa_iban_is_refused(db):
    with pytest.raises(ValidationError) as caught:
        mandate_for(CustomerFactory(), iban="BR1800360305000010009795493C1")
    assert "SEPA" in caught.value.message_dict["iban"][0]


def test_creditor_id_format_is_checked():
    assert creditor_id_normalise("de98zzz09999999999") == "DE98ZZZ09999999999"
    for bad in ("DE97ZZZ09999999999", "DE98ZZZ0999999999", "XYZ", ""):
        with pytest.raises(ValidationError):
            creditor_id_normalise(bad)


def test_a_wrong_creditor_id_stops_the_start(settings):
    settings.SEPA_CREDITOR_ID = "DE00ZZZ00000000000"
    with pytest.raises(SystemCheckError, match="SEPA_CREDITOR_ID"):
        call_command("check")


def debit_order(customer, **kwargs):
    return OrderFactory(
        customer=customer, payment_method=Order.PaymentMethod.DIRECT_DEBIT, **kwargs
    )


def test_scheduling_a_debit_is_idempotent_per_order(db):
    customer = CustomerFactory()
    mandate = mandate_for(customer)
    order = debit_order(customer, price_total=Decimal("49.90"))
    first = order_debit_schedule(order=order, mandate=mandate, due_date=date(2026, 12, 3))
    again = order_debit_schedule(order=order, mandate=mandate, due_date=date(2026, 12, 3))
    assert first.pk == again.pk
    assert OrderDebit.objects.count() == 1
    assert first.amount == Decimal("49.90")
    assert first.status == OrderDebit.Status.SCHEDULED
    assert first.sequence_type == ""  # decided when collected
    assert first.end_to_end_id == order.number
    moved = order_debit_schedule(order=order, mandate=mandate, due_date=date(2026, 12, 10))
    assert moved.pk == first.pk and moved.due_date == date(2026, 12, 10)


def test_only_a_pending_direct_debit_order_of_the_mandates_customer_is_scheduled(db):
    customer = CustomerFactory()
    mandate = mandate_for(customer)
    prepaid = OrderFactory(customer=customer)
    with pytest.raises(ValidationError, match="not paid by direct debit"):
        order_debit_schedule(order=prepaid, mandate=mandate, due_date=date(2026, 12, 3))
    paid = debit_order(customer, status=Order.Status.PAID)
    with pytest.raises(ValidationError, match="Only a pending order"):
        order_debit_schedule(order=paid, mandate=mandate, due_date=date(2026, 12, 3))
    stranger = debit_order(CustomerFactory())
    with pytest.raises(ValidationError, match="another customer"):
        order_debit_schedule(order=stranger, mandate=mandate, due_date=date(2026, 12, 3))
    debit_mandate_revoke(mandate=mandate)
    with pytest.raises(ValidationError, match="revoked"):
        order_debit_schedule(
            order=debit_order(customer), mandate=mandate, due_date=date(2026, 12, 3)
        )
    assert not OrderDebit.objects.exists()
