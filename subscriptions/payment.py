"""The payment step of a subscription: a SEPA direct debit mandate and one debit
per cycle order, kept by payouts (debit14). Everything subscriptions knows about
how money is collected goes through here."""

from datetime import date

from orders.models import Customer, Order


def mandate_text(*, language: str) -> str:
    from payouts.services import mandate_text as payouts_mandate_text

    return payouts_mandate_text(language=language)


def mandate_give(*, customer: Customer, account_holder: str, iban: str, text: str, language: str):
    """Store the mandate the customer gave (IBAN and holder checked by payouts;
    ValidationError keyed "iban" / "account_holder")."""
    from payouts.services import debit_mandate_create

    return debit_mandate_create(
        customer=customer,
        account_holder=account_holder,
        iban=iban,
        mandate_text=text,
        language=language,
    )


def cycle_debit_schedule(*, order: Order, mandate, due_date: date):
    from payouts.services import order_debit_schedule

    return order_debit_schedule(order=order, mandate=mandate, due_date=due_date)


def payment_method() -> str:
    return Order.PaymentMethod.DIRECT_DEBIT
