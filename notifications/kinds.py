"""The one list of notification kinds: what each is called on the settings
page, its default channels, and how its text reads. The text is rendered from
the stored params at read time, in the reader's language (a German partner
reading in English sees English).

Adding a kind is a `register(Kind(...))` here and a receiver in receivers.py
that hands (partner id, event key, params) to `services.notifications_create`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from qualification.periods import period_name


@dataclass(frozen=True)
class Kind:
    key: str
    label: Promise  # the row on the settings page
    text: Callable[[dict], str]  # params -> the sentence, in the active language
    email: bool = True  # default of the e-mail channel
    digest: bool = False  # default: e-mail at once (False) or in the daily digest
    link: str = ""  # URL name the notification points to


KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    KINDS[kind.key] = kind
    return kind


def money(value) -> str:
    """'49.9' -> '49,90' in German, '49.90' in English."""
    try:
        return number_format(Decimal(str(value)), 2, use_l10n=True, force_grouping=True)
    except (InvalidOperation, ValueError, TypeError):
        return str(value)


def volume(value) -> str:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return str(value)
    places = 0 if amount == amount.to_integral_value() else 2
    return number_format(amount, places, use_l10n=True, force_grouping=True)


def render(kind: str, params: dict) -> str:
    spec = KINDS.get(kind)
    if spec is None:
        return kind
    try:
        return spec.text(params)
    except (KeyError, TypeError, ValueError):  # params of an older version of the kind
        return str(spec.label)


ORDER_NEW = register(
    Kind(
        key="order_new",
        label=gettext_lazy("A new order on your page"),
        # Only the customer's first name and the initial of the last name.
        text=lambda p: (
            (
                _("New order %(number)s from %(customer)s: %(total)s €")
                if p.get("customer")
                else _("New order %(number)s: %(total)s €")
            )
            % {"number": p["number"], "customer": p.get("customer", ""), "total": money(p["total"])}
        ),
        link="dashboard:customers",
    )
)

TEAM_NEW = register(
    Kind(
        key="team_new",
        label=gettext_lazy("A new partner in your team"),
        text=lambda p: _("%(name)s joined your team.") % {"name": p["name"]},
        link="dashboard:team",
    )
)

RANK_REACHED = register(
    Kind(
        key="rank_reached",
        label=gettext_lazy("A rank reached"),
        text=lambda p: (
            _("Congratulations: you reached %(rank)s in %(period)s.")
            % {"rank": p["rank"], "period": period_name(p["period"])}
        ),
        link="dashboard:history",
    )
)

RANK_CLOSE = register(
    Kind(
        key="rank_close",
        label=gettext_lazy("Close to the next rank before the month ends"),
        text=lambda p: (
            ngettext(
                "%(days)s day left: %(pv)s PV missing for %(rank)s.",
                "%(days)s days left: %(pv)s PV missing for %(rank)s.",
                int(p["days"]),
            )
            % {"days": p["days"], "pv": volume(p["pv"]), "rank": p["rank"]}
        ),
        link="dashboard:whatif",
    )
)

STATEMENT_READY = register(
    Kind(
        key="statement_ready",
        label=gettext_lazy("A commission statement ready"),
        text=lambda p: (
            _("Your commission statement for %(period)s is ready: %(total)s €.")
            % {"period": period_name(p["period"]), "total": money(p["total"])}
        ),
        link="dashboard:earnings",
    )
)

PAYOUT_PAID = register(
    Kind(
        key="payout_paid",
        label=gettext_lazy("A payout sent"),
        text=lambda p: (
            _("Your payout of %(amount)s € for %(period)s is on its way to your bank.")
            % {"amount": money(p["amount"]), "period": period_name(p["period"])}
        ),
        link="dashboard:payout_profile",
    )
)

PAYOUT_RETURNED = register(
    Kind(
        key="payout_returned",
        label=gettext_lazy("A payout returned by the bank"),
        text=lambda p: (
            _(
                "Your payout of %(amount)s € for %(period)s came back from the bank (%(reason)s). "
                "Please check your bank details."
            )
            % {
                "amount": money(p["amount"]),
                "period": period_name(p["period"]),
                "reason": p["reason"],
            }
        ),
        link="dashboard:payout_profile",
    )
)


def _subscription_text(p: dict) -> str:
    values = {"number": p["number"], "customer": p.get("customer") or _("A customer")}
    change = p["change"]
    if change == "started":
        return ngettext(
            "%(customer)s started subscription %(number)s: every month.",
            "%(customer)s started subscription %(number)s: every %(months)s months.",
            int(p["months"]),
        ) % {**values, "months": p["months"]}
    if change == "resumed":
        return _("%(customer)s resumed subscription %(number)s.") % values
    if change == "paused":
        return _("Subscription %(number)s of %(customer)s is paused.") % values
    return _("%(customer)s cancelled subscription %(number)s.") % values


SUBSCRIPTION_CHANGED = register(
    Kind(
        key="subscription_changed",
        label=gettext_lazy("A customer starts, pauses or cancels a subscription"),
        # Only the customer's first name and the initial of the last name.
        text=_subscription_text,
        link="dashboard:customers",
    )
)


ORDER_RETURNED = register(
    Kind(
        key="order_returned",
        label=gettext_lazy("Goods of an order on your page came back"),
        # "Return of order 2026-AB12CD, -24 PV": the volume the refund took back.
        text=lambda p: (
            _("Return of order %(number)s, -%(qv)s PV")
            % {"number": p["number"], "qv": volume(p["qv"])}
        ),
        link="dashboard:customers",
    )
)
