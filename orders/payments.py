"""How customers pay. A small provider interface with two real providers:

- "prepayment" (Vorkasse / Rechnung, bank transfer): always available, the
  embedded default. The order stays pending; an admin marks it paid (admin
  action -> order_mark_paid) when the money has arrived.
- "stripe" (card, Apple Pay, Google Pay), "paypal" and "klarna", all on Stripe
  Checkout: available when STRIPE_SECRET_KEY is set and the method is listed in
  STRIPE_PAYMENT_METHODS (switched on in the Stripe Dashboard first). The
  customer is sent to a Stripe-hosted page showing the method chosen; the webhook
  (orders/webhooks.py) marks the order paid (PayPal and Klarna may confirm later:
  checkout.session.async_payment_succeeded / _failed) or refunded. A refund
  booked here is sent back on the PaymentIntent (refund_send), the way it was paid.

A provider's start() returns the URL to send the customer to, or None to show
the order confirmation (with the provider's instructions) right away.
"""

from decimal import Decimal
from functools import partial

from django.conf import settings
from django.db import transaction
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
    """Stripe Checkout restricted to one choice of the checkout, so the customer
    finds on Stripe's page what they picked here (allowed_payment_method_types;
    Stripe filters it further by currency, amount and the customer's country).
    Card includes Apple Pay and Google Pay: Stripe offers the wallets on devices
    that have them once they are switched on in the Stripe Dashboard."""

    method = M.STRIPE
    label = _("Card, Apple Pay or Google Pay")
    description = _("You pay on the secure payment page of our provider Stripe.")
    stripe_types: tuple[str, ...] = ("card",)
    # Where the method is offered (None: everywhere we ship) and from what amount.
    countries: frozenset[str] | None = None
    minimum = Decimal("0.50")
    maximum: Decimal | None = None

    def is_available(self) -> bool:
        return bool(settings.STRIPE_SECRET_KEY) and self.stripe_types[0] in (
            settings.STRIPE_PAYMENT_METHODS
        )

    def problem(self, *, country: str, amount: Decimal) -> str | None:
        """Why this method cannot pay `amount` for a delivery to `country` (None: it can)."""
        if self.countries is not None and country not in self.countries:
            return _("%(method)s is not available for deliveries to this country.") % {
                "method": self.label
            }
        if amount < self.minimum or (self.maximum is not None and amount > self.maximum):
            return _("%(method)s is not available for this amount.") % {"method": self.label}
        return None

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
            allowed_payment_method_types=list(self.stripe_types),
            metadata={"order_number": order.number},
            payment_intent_data={"metadata": {"order_number": order.number}},
            locale=order.language if order.language in ("de", "en") else "auto",
            success_url=success_url,
            cancel_url=cancel_url,
        )
        order_payment_reference_set(order=order, reference=session.id)
        return session.url

    def instructions(self, *, order):
        # "stripe" for every method paid on Stripe's page (the confirmation's part).
        return {
            "method": M.STRIPE,
            "label": self.label,
            "paid": order.status != Order.Status.PENDING,
        }

    def refund(self, *, reference, amount, idempotency_key, reason="paid after cancellation"):
        """A refund on the PaymentIntent: Stripe sends it back the way it was paid
        (card, PayPal, Klarna)."""
        import stripe

        refund = stripe.Refund.create(
            api_key=settings.STRIPE_SECRET_KEY,
            payment_intent=reference,
            amount=cents(amount),
            metadata={"reason": reason[:500]},
            idempotency_key=idempotency_key,
        )
        return refund.id


class PayPalProvider(StripeCheckoutProvider):
    method = M.PAYPAL
    label = _("PayPal")
    description = _("You log in to PayPal and confirm the payment there.")
    stripe_types = ("paypal",)


# Klarna through Stripe, paid in euro: customers in these countries, up to these amounts.
KLARNA_EUR_COUNTRIES = frozenset(
    {"AT", "BE", "DE", "ES", "FI", "FR", "GR", "IE", "IT", "NL", "PT", "SK"}
)


class KlarnaProvider(StripeCheckoutProvider):
    method = M.KLARNA
    label = _("Klarna (pay later or in instalments)")
    description = _("Klarna checks your details and lets you pay later or in parts.")
    stripe_types = ("klarna",)
    countries = KLARNA_EUR_COUNTRIES
    minimum = Decimal("1.00")
    maximum = Decimal("4000.00")  # the lowest of Klarna's limits in these countries


PROVIDERS: dict[str, PaymentProvider] = {
    M.PREPAYMENT: PrepaymentProvider(),
    M.STRIPE: StripeCheckoutProvider(),
    M.PAYPAL: PayPalProvider(),
    M.KLARNA: KlarnaProvider(),
}
# Paid on Stripe's page: webhooks book them, refunds go back through Stripe.
STRIPE_METHODS = frozenset({M.STRIPE, M.PAYPAL, M.KLARNA})


def payment_providers_available() -> list[PaymentProvider]:
    return [provider for provider in PROVIDERS.values() if provider.is_available()]


def payment_method_available(method: str) -> bool:
    provider = PROVIDERS.get(method)
    return provider is not None and provider.is_available()


def payment_method_problem(method: str, *, country: str, amount: Decimal) -> str | None:
    """Why the chosen method cannot pay this order (country, amount), or None."""
    check = getattr(PROVIDERS.get(method), "problem", None)
    return check(country=country, amount=amount) if check else None


def payment_provider(method: str) -> PaymentProvider:
    return PROVIDERS[method]


def payment_instructions(*, order: Order) -> dict:
    provider = PROVIDERS.get(order.payment_method)
    return provider.instructions(order=order) if provider else {"method": order.payment_method}


# --- Refunds go back the way the customer paid -------------------------------


def refund_send_after_commit(*, order: Order, refund) -> None:
    """A refund booked here (an admin's, a return's) of an order paid on Stripe:
    send the money back on its PaymentIntent once the booking is committed. A
    refund that came from Stripe (charge.refunded) carries its event id and is
    not sent again."""
    if refund.provider_reference or order.payment_method not in STRIPE_METHODS:
        return
    if not order.payment_reference:
        return
    from .tasks import refund_send_enqueue

    transaction.on_commit(partial(refund_send_enqueue, refund.pk), robust=True)


def refund_send(*, refund_id: int) -> str:
    """Send the refund to the provider, once: Stripe's idempotency key is the
    refund's, and the provider's refund id is kept on it (a second call returns it)."""
    from .models import Refund

    with transaction.atomic():
        refund = Refund.objects.select_for_update().select_related("order").get(pk=refund_id)
        if refund.provider_reference:
            return refund.provider_reference
        order = refund.order
        provider_id = PROVIDERS[order.payment_method].refund(
            reference=order.payment_reference,
            amount=refund.amount,
            idempotency_key=f"order-refund-{refund.pk}",
            reason=refund.reason or "refund",
        )
        refund.provider_reference = provider_id[:255]
        refund.save(update_fields=["provider_reference"])
    return provider_id


def refund_send_failed(*, refund_id: int, error: str) -> None:
    """The provider kept refusing: tell the admins on the order's history."""
    from .models import OrderTransition, Refund

    refund = Refund.objects.select_related("order").get(pk=refund_id)
    OrderTransition.objects.create(
        order=refund.order,
        from_status=refund.order.status,
        to_status=refund.order.status,
        note=(
            _(
                "The refund of %(amount)s EUR could not be sent to Stripe (%(error)s): "
                "please refund it in the Stripe Dashboard."
            )
            % {"amount": refund.amount, "error": error}
        )[:255],
    )
