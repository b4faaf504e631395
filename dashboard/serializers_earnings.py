"""API shapes of statements and the estimate. Money is a decimal string in EUR."""

from decimal import ROUND_HALF_UP

from rest_framework import serializers

from .serializers import RankRefSerializer


def money(**kwargs):
    """Cents, rounded half-up (line amounts are stored exact)."""
    return serializers.DecimalField(
        max_digits=30, decimal_places=2, coerce_to_string=True, rounding=ROUND_HALF_UP, **kwargs
    )


class LinePartnerSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField(source="full_name")


class StatementLineSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=[
            ("customer", "customer commission on one order"),
            ("team", "team commission on a downline partner's CV"),
            (
                "skipped",
                "why a downline partner counts a generation closer: an upline partner between was skipped (compression)",
            ),
            ("bonus", "advancement bonus for a rank"),
            ("cap", "the cap factor applied to team commission"),
        ]
    )
    text = serializers.CharField(help_text="The line in words, in the request's language.")
    amount = money(help_text="Rounded half-up to the cent.")
    cv = money(allow_null=True)
    percent = serializers.DecimalField(
        max_digits=7,
        decimal_places=4,
        allow_null=True,
        coerce_to_string=True,
        help_text="Percent of CV (customer and team lines).",
    )
    factor = serializers.DecimalField(
        max_digits=30,
        decimal_places=20,
        allow_null=True,
        coerce_to_string=True,
        help_text="Cap lines: the factor every team commission was multiplied by.",
    )
    generation = serializers.IntegerField(
        allow_null=True,
        help_text="Team lines: the generation the downline partner's CV is paid at for you; "
        "skipped lines: the generation of the team line they explain.",
    )
    partner = LinePartnerSerializer(
        allow_null=True, help_text="The downline partner whose CV it is (team and skipped lines)."
    )
    skipped_partner = LinePartnerSerializer(
        allow_null=True,
        help_text="Skipped lines: the upline partner between you and the downline partner who "
        "was skipped (compression), so the downline counts a generation closer to you.",
    )
    order_number = serializers.CharField(allow_null=True)
    rank_name = serializers.CharField(allow_blank=True)
    reason = serializers.CharField(
        allow_blank=True, help_text="Why a partner was skipped: inactive, below_min_pv, terminated."
    )


class StatementLinesPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = StatementLineSerializer(many=True)


class CustomerOrderSerializer(serializers.Serializer):
    order_number = serializers.CharField()
    text = serializers.CharField(
        help_text="The order's commission in words, in the request's language."
    )
    cv = money(help_text="The order's net customer CV in the period.")
    percent = serializers.DecimalField(
        max_digits=7, decimal_places=4, coerce_to_string=True, help_text="Your customer percent."
    )
    amount = money(help_text="Rounded half-up to the cent.")


class CustomerOrdersPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = CustomerOrderSerializer(many=True)


class RoundingSerializer(serializers.Serializer):
    amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        coerce_to_string=True,
        help_text="What the list's amounts, each rounded to the cent, miss of its total "
        "(rounded once from the exact sum); 0.00 when they add up.",
    )
    text = serializers.CharField(
        allow_blank=True,
        help_text="The rounding line in words, in the request's language; empty at 0.00.",
    )


class StatementSerializer(serializers.Serializer):
    period = serializers.CharField(help_text="YYYY-MM, a closed period")
    paid_as_rank = RankRefSerializer(allow_null=True)
    cv = money()
    customer_cv = money()
    own_cv = money()
    customer_commission = money()
    team_commission = money()
    advancement_bonus = money()
    total = money()
    carried_in = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        coerce_to_string=True,
        help_text="Balance carried over from the last closed period (not part of the total).",
    )
    payout = money()
    carried_out = money()
    carry_reason = serializers.CharField(
        allow_blank=True, help_text="Why an amount is carried forward; empty when all was paid."
    )
    customer_orders = CustomerOrdersPageSerializer(
        help_text="The customer commission by order (page with ?orders_page=)."
    )
    lines = StatementLinesPageSerializer(
        help_text="Team commission, skipped partners, bonus and cap (page with ?page=)."
    )
    customer_rounding = RoundingSerializer(
        allow_null=True,
        help_text="On the last page of customer_orders (null on the others): the order "
        "amounts plus it are customer_commission.",
    )
    team_rounding = RoundingSerializer(
        allow_null=True,
        help_text="On the last page of lines (null on the others): the team and cap lines "
        "plus it are team_commission.",
    )


class EstimateSerializer(serializers.Serializer):
    period = serializers.CharField(help_text="YYYY-MM, the open period")
    is_estimate = serializers.BooleanField(help_text="Always true: the period is still open.")
    computed_at = serializers.DateTimeField(
        allow_null=True, help_text="When the estimate was computed; null when not yet."
    )
    label = serializers.CharField(help_text="How to label it, in the request's language.")
    customer_commission = money()
    team_commission = money()
    advancement_bonus = money()
    total = money()
    carried_in = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        coerce_to_string=True,
        help_text="Balance carried over from the last closed period (not part of the total).",
    )
