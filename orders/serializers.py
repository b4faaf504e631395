"""Shapes of the order intake API (orders/api.py)."""

from decimal import Decimal

from rest_framework import serializers

from .attribution import API_REASONS, attribution_explain
from .models import Order

MONEY = {"max_digits": 12, "decimal_places": 2}
VOLUME = {"max_digits": 14, "decimal_places": 2}


class CustomerInSerializer(serializers.Serializer):
    email = serializers.CharField(max_length=254)
    first_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    street = serializers.CharField(max_length=200, required=False, allow_blank=True)
    postal_code = serializers.CharField(max_length=10, required=False, allow_blank=True)
    city = serializers.CharField(max_length=100, required=False, allow_blank=True)
    country = serializers.CharField(max_length=2, required=False, allow_blank=True, default="DE")
    company_name = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text="A business customer's company (named on the invoice).",
    )
    vat_id = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        default="",
        help_text="A business customer's EU VAT id, e.g. DE136695976 (the invoice then "
        "carries an EN 16931 e-invoice).",
    )


class LineInSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    quantity = serializers.IntegerField(min_value=1, max_value=100000)
    unit_price = serializers.DecimalField(
        **MONEY, min_value=Decimal("0"), help_text="Gross, as paid."
    )
    vat_rate = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        required=False,
        help_text="A rate of the country delivered to (DE: 19.00 or 7.00, AT: 20.00 or "
        "10.00, outside the EU 0.00); default: the catalogue product's rate there, else "
        "that country's standard rate.",
    )
    qv = serializers.DecimalField(
        **VOLUME,
        min_value=Decimal("0"),
        required=False,
        help_text="QV per unit; default: the catalogue product's (by sku). Needed for an unknown sku.",
    )
    cv = serializers.DecimalField(
        **MONEY,
        min_value=Decimal("0"),
        required=False,
        help_text="CV per unit; default: the catalogue product's (by sku). Needed for an unknown sku.",
    )


class ReferralInSerializer(serializers.Serializer):
    slug = serializers.CharField(max_length=40)
    seen_at = serializers.DateTimeField()


class OrderCreateSerializer(serializers.Serializer):
    external_id = serializers.CharField(
        max_length=64, help_text="The shop's order id, unique per source."
    )
    customer = CustomerInSerializer()
    lines = LineInSerializer(many=True, allow_empty=False, max_length=500)
    partner = serializers.CharField(
        max_length=40,
        required=False,
        allow_blank=True,
        default="",
        help_text="The partner's slug or code the customer gave, if any.",
    )
    referral = ReferralInSerializer(
        required=False,
        help_text="The partner page (?ref=<slug>) the customer came through, and when.",
    )
    ignore_unknown_partner = serializers.BooleanField(
        default=False,
        help_text="An unknown, inactive or terminated partner code: false refuses the order (422), "
        "true places it without that code.",
    )
    currency = serializers.ChoiceField(choices=["EUR"], default="EUR")
    shipping = serializers.DecimalField(**MONEY, min_value=Decimal("0"), default=Decimal("0"))
    placed_at = serializers.DateTimeField(required=False)
    language = serializers.CharField(max_length=8, required=False, allow_blank=True, default="")
    invoiced_by_shop = serializers.BooleanField(
        default=False,
        help_text="true: the shop invoices this order itself and we issue no invoice; "
        "false (default): we issue the invoice (and its corrections) and e-mail it to the "
        "customer when the payment is booked.",
    )
    stock_kept_by_shop = serializers.BooleanField(
        default=False,
        help_text="true: the shop keeps the stock of these goods itself and nothing is reserved "
        "here; false (default): the lines' quantities are taken from the stock of the "
        "catalogue's products (by sku) and the order is refused (409) if one is sold out.",
    )


class PaymentInSerializer(serializers.Serializer):
    reference = serializers.CharField(
        max_length=255, help_text="The shop's or provider's payment id."
    )
    paid_at = serializers.DateTimeField(required=False, help_text="Default: now.")
    amount = serializers.DecimalField(
        **MONEY, required=False, help_text="If given, it must be the order's total."
    )


class RefundLineInSerializer(serializers.Serializer):
    line_id = serializers.IntegerField(required=False, help_text="An id from the order's lines.")
    sku = serializers.CharField(max_length=64, required=False, help_text="Or the line's sku.")
    quantity = serializers.IntegerField(min_value=1)


class RefundInSerializer(serializers.Serializer):
    reference = serializers.CharField(
        max_length=255,
        required=False,
        allow_blank=True,
        default="",
        help_text="The shop's refund id; the same reference twice books once.",
    )
    reason = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    refunded_at = serializers.DateTimeField(required=False, help_text="Default: now.")
    lines = RefundLineInSerializer(
        many=True,
        required=False,
        allow_empty=False,
        help_text="Omit to refund everything still open (an empty list is refused).",
    )


# --- Answers -------------------------------------------------------------------


class AttributionSerializer(serializers.Serializer):
    partner = serializers.CharField(
        allow_null=True, help_text="The partner's slug, null = the company."
    )
    reason = serializers.ChoiceField(choices=sorted(set(API_REASONS.values())))
    explanation = serializers.CharField()


class LineOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    sku = serializers.CharField()
    name = serializers.CharField()
    quantity = serializers.IntegerField()
    refunded_quantity = serializers.IntegerField()
    unit_price = serializers.DecimalField(**MONEY)
    vat_rate = serializers.DecimalField(max_digits=5, decimal_places=2)
    unit_qv = serializers.DecimalField(**VOLUME)
    unit_cv = serializers.DecimalField(**MONEY)


class RefundOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    amount = serializers.DecimalField(**MONEY)
    qv = serializers.DecimalField(**VOLUME)
    cv = serializers.DecimalField(**MONEY)
    is_full = serializers.BooleanField()
    reference = serializers.CharField(source="provider_reference")
    refunded_at = serializers.DateTimeField()


class OrderOutSerializer(serializers.Serializer):
    number = serializers.CharField(
        help_text="Our order number; use it (or your external_id) in URLs."
    )
    external_id = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=Order.Status.values)
    currency = serializers.CharField()
    subtotal = serializers.DecimalField(**MONEY)
    shipping = serializers.DecimalField(**MONEY)
    total = serializers.DecimalField(**MONEY)
    vat_total = serializers.DecimalField(**MONEY)
    qv = serializers.DecimalField(**VOLUME)
    cv = serializers.DecimalField(**MONEY)
    customer_email = serializers.CharField(source="email")
    placed_at = serializers.DateTimeField()
    paid_at = serializers.DateTimeField(allow_null=True)
    refunded_at = serializers.DateTimeField(allow_null=True)
    payment_reference = serializers.CharField()
    invoiced_by_shop = serializers.BooleanField()
    attribution = serializers.SerializerMethodField()
    lines = LineOutSerializer(many=True)
    refunds = RefundOutSerializer(many=True)

    def get_external_id(self, order) -> str:
        return (order.external_id or "").split(":", 1)[-1]

    @staticmethod
    def attribution_of(order) -> dict:
        partner = order.attributed_partner
        return {
            "partner": partner.slug if partner else None,
            "reason": API_REASONS.get(order.attribution, order.attribution),
            "explanation": attribution_explain(
                partner=partner,
                reason=order.attribution,
                code=order.referral_code,
                referral_slug=order.referral_slug,
            ),
        }

    def get_attribution(self, order) -> AttributionSerializer:
        return self.attribution_of(order)


class RefundResultSerializer(serializers.Serializer):
    refund = RefundOutSerializer()
    order = OrderOutSerializer()
