"""The commission part of the plan (commissions.md section 2), validated by ONE
set of DRF serializers: `load_plan` (the plan file) and the admin (the rank
form, the commission settings form) both run them, so both give the same
messages.

The plan pays on sales (customer and team commission) and for reaching ranks
(advancement bonus), nothing else: the format has no key that could pay for an
enrolment (§16 Abs. 2 UWG), and any other key is refused.
"""

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

RANK_COMMISSION_KEYS = ("customer_percent", "team_percents", "advancement_bonus")
SETTINGS_KEYS = ("base_customer_percent", "active_min_pv", "cap_percent", "min_payout")
MAX_GENERATIONS = 50
ZERO = Decimal("0")
HUNDRED = Decimal("100")
TOO_LARGE = Decimal("1e12")


class ExactDecimalField(serializers.Field):
    """An exact decimal with at most two places, written as a string (or a
    whole number): floats are refused, they are not exact."""

    default_error_messages = {
        "format": _('write it as a string with an exact decimal, e.g. "100" or "12.50"'),
        "invalid": _("“%(value)s” is not a decimal number"),
        "places": _("at most two decimal places"),
        "negative": _("cannot be negative"),
        "percent": _("must be a percent between 0 and 100"),
        "large": _("is too large"),
    }

    def __init__(self, *, percent: bool = False, **kwargs):
        self.percent = percent
        super().__init__(**kwargs)

    def fail_with(self, key, **values):
        raise serializers.ValidationError(str(self.error_messages[key]) % values, code=key)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, str | int | Decimal):
            self.fail_with("format")
        try:
            number = Decimal(str(data).strip())
        except InvalidOperation:
            self.fail_with("invalid", value=data)
        if not number.is_finite():
            self.fail_with("invalid", value=data)
        if number != number.quantize(Decimal("0.01")):
            self.fail_with("places")
        if self.percent and not (ZERO <= number <= HUNDRED):
            self.fail_with("percent")
        if number < 0:
            self.fail_with("negative")
        if number >= TOO_LARGE:
            self.fail_with("large")
        return number + ZERO  # normalises -0

    def to_representation(self, value):
        text = format(Decimal(value), "f")
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return text or "0"


class StrictSerializer(serializers.Serializer):
    """Refuses keys it does not know, naming the ones allowed."""

    unknown_message = _("unknown keys %(keys)s (allowed: %(allowed)s)")

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError({"non_field_errors": [str(_("must be an object"))]})
        unknown = sorted(set(data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError(
                {
                    "non_field_errors": [
                        str(self.unknown_message)
                        % {"keys": ", ".join(unknown), "allowed": ", ".join(self.fields)}
                    ]
                }
            )
        return super().to_internal_value(data)


class RankCommissionSerializer(StrictSerializer):
    """What a rank pays: percents of its partner's customer CV and of the CV of
    each generation of the team, and a one-time bonus for reaching it."""

    customer_percent = ExactDecimalField(percent=True, required=False, default=ZERO)
    team_percents = serializers.ListField(
        child=ExactDecimalField(percent=True),
        required=False,
        default=list,
        max_length=MAX_GENERATIONS,
        error_messages={
            "not_a_list": _('must be a list of percents, generation 1 first, e.g. ["6", "4"]'),
            "max_length": _("may list at most 50 generations"),
        },
    )
    advancement_bonus = ExactDecimalField(required=False, default=ZERO)


class CommissionSettingsSerializer(StrictSerializer):
    """The plan-wide settings (the "commissions" object of the plan file)."""

    unknown_message = _(
        "unknown keys %(keys)s (allowed: %(allowed)s). The plan pays only on sales and for ranks "
        "(a bonus belongs to a rank); it never pays for enrolling someone."
    )

    base_customer_percent = ExactDecimalField(percent=True, required=False, default=ZERO)
    active_min_pv = ExactDecimalField(required=False, default=ZERO)
    cap_percent = ExactDecimalField(percent=True, required=False, allow_null=True, default=None)
    min_payout = ExactDecimalField(required=False, default=ZERO)


def error_list(errors) -> list[tuple[str, str]]:
    """A serializer's errors as (key, message) pairs; list items as "key item n"."""
    pairs: list[tuple[str, str]] = []
    for key, value in errors.items():
        if isinstance(value, dict):  # a ListField's errors by index
            for index, messages in sorted(value.items()):
                for message in messages:
                    pairs.append(
                        (
                            key,
                            str(_("item %(n)s %(error)s"))
                            % {"n": int(index) + 1, "error": message},
                        )
                    )
        else:
            for message in value:
                pairs.append((key, str(message)))
    return pairs


def validate_rank_commission(data) -> tuple[dict, list[tuple[str, str]]]:
    serializer = RankCommissionSerializer(data=data)
    if serializer.is_valid():
        return dict(serializer.validated_data), []
    return {}, error_list(serializer.errors)


def validate_commission_settings(data) -> tuple[dict, list[tuple[str, str]]]:
    serializer = CommissionSettingsSerializer(data=data)
    if serializer.is_valid():
        return dict(serializer.validated_data), []
    return {}, error_list(serializer.errors)


def dump_rank_commission(rank) -> dict:
    return RankCommissionSerializer(
        {
            "customer_percent": rank.customer_percent,
            "team_percents": [Decimal(str(p)) for p in rank.team_percents or []],
            "advancement_bonus": rank.advancement_bonus,
        }
    ).data


def dump_commission_settings(settings) -> dict:
    return dict(CommissionSettingsSerializer(settings).data)
