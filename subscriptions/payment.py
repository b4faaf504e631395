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


def mandate_replace(*, old, new) -> int:
    """The customer gave new bank details: debits not yet sent to the bank move
    to the new mandate, the old one is revoked. Returns the debits moved."""
    from payouts.models import OrderDebit
    from payouts.services import debit_mandate_revoke, order_debit_schedule

    moved = 0
    if old is not None:
        waiting = OrderDebit.objects.filter(
            mandate=old, status=OrderDebit.Status.SCHEDULED, order__status=Order.Status.PENDING
        ).select_related("order")
        for debit in waiting.order_by("pk"):
            order_debit_schedule(order=debit.order, mandate=new, due_date=debit.due_date)
            moved += 1
        debit_mandate_revoke(mandate=old)
    return moved


def payment_method() -> str:
    return Order.PaymentMethod.DIRECT_DEBIT
