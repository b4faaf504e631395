"""Numbers for people: volumes grouped and localized, without ".00" on whole
numbers (the dashboard, its template filters and the API's words)."""

from __future__ import annotations

from decimal import Decimal

from django.utils import formats

ZERO = Decimal("0")
HUNDRED = Decimal("100")


def volume_display(value: Decimal | int | None) -> str:
    """A volume for people: grouped, localized, no ".00" on whole numbers."""
    value = Decimal(value or 0)
    places = 0 if value == value.to_integral_value() else 2
    return formats.number_format(value, decimal_pos=places, use_l10n=True, force_grouping=True)
