"""Statements in words: every line a sentence a partner understands, in German
and English ("12,00 € aus Dora Dietz’ Umsatz: 300,00 € CV, 2. Generation, 4 %").

Pure functions of figures; the active language decides the words and how money,
percents and generations are written. Used by the dashboard, the API and the admin.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.utils import formats
from django.utils.translation import get_language
from django.utils.translation import gettext as _

MINUS = "\u2212"


def _number(value: Decimal, places: int) -> str:
    return formats.number_format(value, decimal_pos=places, use_l10n=True, force_grouping=True)


def money_display(value: Decimal | int | None) -> str:
    """12 -> "12,00 €" (de) / "€12.00" (en); negative with a real minus sign.
    Exact line amounts are rounded half-up to the cent, like the statement."""
    value = Decimal(value or 0).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    # Translators: a money amount in euros; German puts the sign after the number.
    text = _("€%(amount)s") % {"amount": _number(abs(value), 2)}
    return f"{MINUS}{text}" if value < 0 else text


def percent_display(value: Decimal | int | None) -> str:
    """Decimal("4.000") -> "4 %" (de) / "4%" (en); "2,5 %" keeps its decimals."""
    value = Decimal(value or 0)
    normalized = value.normalize()
    places = max(0, -normalized.as_tuple().exponent) if normalized != 0 else 0
    return _("%(percent)s%%") % {"percent": _number(value, places)}


def factor_display(value: Decimal | None) -> str:
    """A cap factor such as 0,85321 (up to six decimals, no trailing zeros)."""
    value = Decimal(value or 0).quantize(Decimal("0.000001"))
    normalized = value.normalize()
    places = max(0, -normalized.as_tuple().exponent) if normalized != 0 else 0
    return _number(value, places)


def generation_display(generation: int | None) -> str:
    return _("generation %(number)s") % {"number": generation or 0}


def possessive(name: str) -> str:
    """ "Dora Dietz" -> "Dora Dietz’" (de) / "Dora Dietz’s" (en); "Ben" -> "Bens" / "Ben’s"."""
    name = (name or "").strip() or "?"
    if (get_language() or "de").startswith("de"):
        if name[-1].lower() in "sßxz" or name.lower().endswith("ce"):
            return f"{name}\u2019"
        return f"{name}s"
    if name.endswith("s"):
        return f"{name}\u2019"
    return f"{name}\u2019s"


def skip_reason_display(reason: str, *, active_min_pv: Decimal | None = None) -> str:
    """Why an upline partner earned nothing and was skipped (compression)."""
    if reason == "below_min_pv":
        if active_min_pv is None:
            return _("below the minimum PV")
        return _("below %(pv)s PV") % {"pv": _number(Decimal(active_min_pv), 0)}
    if reason == "inactive":
        return _("account paused")
    if reason == "terminated":
        return _("no longer a partner")
    return reason or _("not active-qualified")


def customer_line_sentence(*, amount, cv, percent, order_number: str | None) -> str:
    values = {
        "amount": money_display(amount),
        "cv": money_display(cv),
        "percent": percent_display(percent),
        "order": order_number or "",
    }
    if Decimal(cv or 0) < 0:
        return (
            _("%(amount)s taken back for the refund on order %(order)s: %(cv)s CV, %(percent)s")
            % values
        )
    if order_number:
        return _("%(amount)s from order %(order)s: %(cv)s CV, %(percent)s") % values
    return _("%(amount)s from your customers’ orders: %(cv)s CV, %(percent)s") % values


def team_line_sentence(*, amount, cv, percent, generation, source_name: str) -> str:
    values = {
        "amount": money_display(amount),
        "cv": money_display(cv),
        "percent": percent_display(percent),
        "generation": generation_display(generation),
        "name": possessive(source_name),
    }
    if Decimal(cv or 0) < 0:
        return (
            _("%(amount)s taken back for %(name)s refunds: %(cv)s CV, %(generation)s, %(percent)s")
            % values
        )
    return _("%(amount)s from %(name)s sales: %(cv)s CV, %(generation)s, %(percent)s") % values


def skipped_line_sentence(
    *,
    skipped_name: str,
    source_name: str,
    cv,
    generation,
    reason: str,
    active_min_pv=None,
    owner_name: str | None = None,
) -> str:
    """A compressed ancestor between the statement's partner and a downline
    partner: it earns nothing on the downline's sales, which count a generation
    closer. `generation` is the one the statement's team line for that downline
    is paid at (selectors.line_sentence reads it from that line; None leaves the
    number out). To the partner whose statement it is ("for you"), or naming
    them (`owner_name`, the admin)."""
    values = {
        "partner": skipped_name or "?",
        "reason": skip_reason_display(reason, active_min_pv=active_min_pv),
        "name": possessive(source_name),
        "cv": money_display(cv),
        "generation": generation_display(generation),
        "owner": owner_name or "",
    }
    if owner_name and generation:
        return (
            _(
                "%(partner)s was skipped (%(reason)s) and earns nothing on %(name)s sales (%(cv)s CV): they count for %(owner)s one generation closer, as %(generation)s."
            )
            % values
        )
    if owner_name:
        return (
            _(
                "%(partner)s was skipped (%(reason)s) and earns nothing on %(name)s sales (%(cv)s CV): they count for %(owner)s one generation closer."
            )
            % values
        )
    if generation:
        return (
            _(
                "%(partner)s was skipped (%(reason)s) and earns nothing on %(name)s sales (%(cv)s CV): they count for you one generation closer, as %(generation)s."
            )
            % values
        )
    return (
        _(
            "%(partner)s was skipped (%(reason)s) and earns nothing on %(name)s sales (%(cv)s CV): they count for you one generation closer."
        )
        % values
    )


def bonus_line_sentence(*, amount, rank_name: str) -> str:
    return _("%(amount)s advancement bonus for reaching %(rank)s") % {
        "amount": money_display(amount),
        "rank": rank_name or "?",
    }


def cap_line_sentence(*, factor, amount=None) -> str:
    values = {"factor": factor_display(factor), "amount": money_display(amount)}
    if amount is not None and Decimal(amount) != 0:
        return (
            _(
                "Cap on the company's payout: your team commission was multiplied by %(factor)s (%(amount)s)"
            )
            % values
        )
    return (
        _("Cap on the company's payout: your team commission was multiplied by %(factor)s") % values
    )


def carry_sentence(*, carried_out, min_payout) -> str:
    """Why nothing or not everything was paid out; "" when all was paid."""
    carried_out = Decimal(carried_out or 0)
    values = {"amount": money_display(carried_out), "minimum": money_display(min_payout or 0)}
    if carried_out > 0 and min_payout is None:
        return _("%(amount)s carried forward to the next month: below the minimum payout.") % values
    if carried_out > 0:
        return (
            _(
                "%(amount)s carried forward to the next month: below the minimum payout of %(minimum)s."
            )
            % values
        )
    if carried_out < 0:
        return (
            _(
                "%(amount)s carried forward: a negative balance (from refunds) is set off against your next commissions."
            )
            % values
        )
    return ""


def carried_in_sentence(*, carried_in) -> str:
    carried_in = Decimal(carried_in or 0)
    if carried_in == 0:
        return ""
    return _("%(amount)s carried over from the previous month.") % {
        "amount": money_display(carried_in)
    }


def rounding_sentence(*, amount, total, kind: str) -> str:
    """The line that makes the lines shown add up to their total: each line is
    rounded to the cent, the total once from the exact sum (commissions.md
    section 3). "" when they add up already. kind: "customer" or "team"."""
    amount = Decimal(amount or 0)
    if amount == 0:
        return ""
    values = {
        "amount": ("+" if amount > 0 else "") + money_display(amount),
        "total": money_display(total),
    }
    if kind == "customer":
        return (
            _(
                "Rounding %(amount)s: each line is rounded to the cent, the customer commission of %(total)s once, from the exact sum."
            )
            % values
        )
    return (
        _(
            "Rounding %(amount)s: each line is rounded to the cent, the team commission of %(total)s once, from the exact sum."
        )
        % values
    )
