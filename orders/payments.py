"""How customers pay. A small provider interface with two real providers:

- "prepayment" (Vorkasse / Rechnung, bank transfer): always available, the
  embedded default. The order stays pending; an admin marks it paid (admin
  action -> order_mark_paid) when the money has arrived.
- "stripe" (Stripe Checkout): available when STRIPE_SECRET_KEY is set. The
  customer is sent to a Stripe-hosted page; the webhook (orders/webhooks.py)
  marks the order paid or refunded.

A provider's start() returns the URL to send the customer to, or None to show
the order confirmation (with the provider's instructions) right away.
"""

from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import Order

M = Order.PaymentMethod


def cents(amount: Decimal) -> int:
    return int((Decimal(amount) * 100).to_integral_value())


class PaymentProvider:
    method: str = ""
    label = ""
    description = ""

    def is_available(self) -> bool:
        raise NotImplementedError

    def start(self, *, order: Order, success_url: str, cancel_url: str) -> str | None:
        raise NotImplementedError

    def instructions(self, *, order: Order) -> dict:
        return {"method": self.method}

    def refund(self, *, reference: str, amount: Decimal, idempotency_key: str) -> str:
        """Give `amount` of the payment `reference` back; returns the provider's
        refund id. Raises the provider's error when it cannot."""
        raise NotImplementedError


class PrepaymentProvider(PaymentProvider):
    method = M.PREPAYMENT
    label = _("Bank transfer (prepayment)")
    description = _(
        "You receive our bank details with the order confirmation. We ship as soon as the money has arrived."
    )

    def is_available(self) -> bool:
        return True

    def start(self, *, order, success_url, cancel_url):
        return None

    def instructions(self, *, order):
        return {
            "method": self.method,
            "account_holder": settings.COMPANY_BANK_ACCOUNT_HOLDER,
            "iban": settings.COMPANY_IBAN,
            "bic": settings.COMPANY_BIC,
            "reference": order.number,
            "amount": order.total,
        }


class StripeCheckoutProvider(PaymentProvider):
    method = M.STRIPE
    label = _("Card and other methods (Stripe)")
    description = _("You pay on the secure payment page of our provider Stripe.")

    def is_available(self) -> bool:
        return bool(settings.STRIPE_SECRET_KEY)

    def start(self, *, order, success_url, cancel_url):
        import stripe

        from .services import order_payment_reference_set

        line_items = [
            {
                "quantity": line.quantity,
                "price_data": {
                    "currency": order.currency.lower(),
                    "unit_amount": cents(line.unit_price),
                    "product_data": {"name": line.name},
                },
            }
            for line in order.lines.all()
        ]
        if order.shipping:
            line_items.append(
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": order.currency.lower(),
                        "unit_amount": cents(order.shipping),
                        "product_data": {"name": str(_("Shipping"))},
                    },
                }
            )
        session = stripe.checkout.Session.create(
            api_key=settings.STRIPE_SECRET_KEY,
            mode="payment",
            client_reference_id=order.number,
            customer_email=order.email,
            line_items=line_items,
            metadata={"order_number": order.number},
            payment_intent_data={"metadata": {"order_number": order.number}},
            locale=order.language if order.language in ("de", "en") else "auto",
            success_url=success_url,
            cancel_url=cancel_url,
        )
        order_payment_reference_set(order=order, reference=session.id)
        return session.url

    def instructions(self, *, order):
        return {"method": self.method, "paid": order.status != Order.Status.PENDING}

    def refund(self, *, reference, amount, idempotency_key):
        import stripe

        refund = stripe.Refund.create(
            api_key=settings.STRIPE_SECRET_KEY,
            payment_intent=reference,
            amount=cents(amount),
            metadata={"reason": "paid after cancellation"},
            idempotency_key=idempotency_key,
        )
        return refund.id


PROVIDERS: dict[str, PaymentProvider] = {
    M.PREPAYMENT: PrepaymentProvider(),
    M.STRIPE: StripeCheckoutProvider(),
}


def payment_providers_available() -> list[PaymentProvider]:
    return [provider for provider in PROVIDERS.values() if provider.is_available()]


def payment_method_available(method: str) -> bool:
    provider = PROVIDERS.get(method)
    return provider is not None and provider.is_available()


def payment_provider(method: str) -> PaymentProvider:
    return PROVIDERS[method]


def payment_instructions(*, order: Order) -> dict:
    provider = PROVIDERS.get(order.payment_method)
    return provider.instructions(order=order) if provider else {"method": order.payment_method}
