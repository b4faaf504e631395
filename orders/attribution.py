"""Whose volume is an order? qualification.md section 3 as one function.

    attribution_resolve(customer_email=..., user=..., code=..., referral=...)
        -> (partner or None, Order.Attribution reason)

Precedence, strongest first:
  1. self    a partner ordering for themselves: signed in as that partner, or a
             guest with the e-mail of their account (case-insensitive, spaces
             ignored). Active or paused partners; a terminated partner is gone.
  2. bound   the customer's lifetime partner (active or paused; never a
             terminated one: their customers have been re-bound upwards).
  3. a. code     an active partner's code (their vanity code or slug) typed at checkout
     b. landing  the most recent landing page / ?ref= visit within the window,
        cookie   from the session or, after consent, the signed cookie
     c. none     the company
With settings.ATTRIBUTION_MODE == "last_touch", 3a/3b win over 2.

"Is this the partner's own order?" (spec 3.1) is `order_is_own_for` here, and
nowhere else: the checkout, the re-attribution, the importer and the volume
booking all call it (or `order_is_own`, its form for a saved order).

Unknown, inactive and terminated codes and referrals never attribute. The
checkout refuses an invalid typed code with a field error before this runs
(partner_code_check); here an invalid one simply counts as absent.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.models import Partner, normalize_email
from partners.selectors import partner_get_by_code, partner_get_by_slug
from partners.services import partner_nearest_active_upline

from .models import Customer, Order

A = Order.Attribution
LAST_TOUCH = "last_touch"


@dataclass(frozen=True)
class Referral:
    """What the visitor's browsing says: the partner page seen most recently."""

    slug: str
    seen_at: datetime
    source: str = A.LANDING  # A.LANDING (session) or A.COOKIE (consented cookie)
    # Which link brought the visitor (the session or the consented cookie): the partner's
    # campaign and the utm_* tags as sorted (key, value) pairs.
    campaign: str = ""
    utm: tuple = ()

    def is_fresh(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        window = timedelta(days=settings.ATTRIBUTION_WINDOW_DAYS)
        return now - window <= self.seen_at <= now + timedelta(minutes=5)


def referral_most_recent(*referrals: "Referral | None") -> "Referral | None":
    """The most recent of several referrals; on a tie the first given wins."""
    best = None
    for referral in referrals:
        if referral is not None and (best is None or referral.seen_at > best.seen_at):
            best = referral
    return best


def normalize_code(code: str) -> str:
    return (code or "").strip().lower()


def partner_code_check(*, code: str) -> Partner | None:
    """The active partner behind a typed code, None for an empty code, or a
    ValidationError (keyed "partner_code") that says what is wrong."""
    code = normalize_code(code)
    if not code:
        return None
    partner = partner_get_by_code(code=code, active_only=False)
    if partner is None:
        raise ValidationError(
            {
                "partner_code": _(
                    "There is no partner with the code “%(code)s”. Please check it or leave the field empty."
                )
                % {"code": code}
            }
        )
    if partner.status != Partner.Status.ACTIVE:
        raise ValidationError(
            {
                "partner_code": _(
                    "The partner code “%(code)s” is not active. Please check it or leave the field empty."
                )
                % {"code": code}
            }
        )
    return partner


def order_is_own_for(
    *,
    customer_email: str,
    partner_id: int | None,
    partner_email: str | None,
    attribution: str = "",
    attributed_partner_id: int | None = None,
) -> bool:
    """Spec 3.1, pure: an order is the partner's own when it was placed as such
    (attribution "self" to this partner) or its customer e-mail is the
    partner's account e-mail (case-insensitive, spaces ignored)."""
    if partner_id is None:
        return False
    if attribution == A.SELF and attributed_partner_id == partner_id:
        return True
    return bool(partner_email) and normalize_email(customer_email) == normalize_email(partner_email)


def order_is_own(*, order: Order, partner: Partner | None) -> bool:
    """order_is_own_for a saved order and a partner (with its user loaded)."""
    if partner is None:
        return False
    return order_is_own_for(
        customer_email=order.customer.email,
        partner_id=partner.pk,
        partner_email=partner.user.email,
        attribution=order.attribution,
        attributed_partner_id=order.attributed_partner_id,
    )


def attribution_for_assigned(
    *, customer_email: str, partner_id: int | None, partner_email: str | None, reason: str
) -> str:
    """The attribution of an order given to a partner by someone (an admin:
    "admin", an import: "import"): "self" when it is the partner's own order,
    "none" without a partner, else `reason`."""
    if partner_id is None:
        return A.NONE
    if order_is_own_for(
        customer_email=customer_email, partner_id=partner_id, partner_email=partner_email
    ):
        return A.SELF
    return reason


def order_binds_customer(*, partner_id: int | None, attribution: str) -> bool:
    """Spec 3.4: an attributed order that is not the partner's own binds its
    customer (if not bound yet) to that partner."""
    return partner_id is not None and attribution != A.SELF


def _own_partner(*, user, email: str) -> Partner | None:
    usable = (Partner.Status.ACTIVE, Partner.Status.INACTIVE)
    if user is not None and getattr(user, "is_authenticated", False):
        partner = Partner.objects.filter(user_id=user.pk, status__in=usable).first()
        if partner is not None:
            return partner
    if not email:
        return None
    return Partner.objects.filter(user__email=email, status__in=usable).first()  # stored normalised


def _bound_partner(*, email: str) -> Partner | None:
    customer = Customer.objects.select_related("bound_partner").filter(email=email).first()
    if customer is None or customer.bound_partner is None:
        return None
    partner = customer.bound_partner
    if partner.status == Partner.Status.TERMINATED:
        # Normally re-bound at termination already; never credit a terminated partner.
        return partner_nearest_active_upline(partner=partner)
    return partner


def _referral_context(*, code: str, referral: Referral | None, now) -> tuple[Partner | None, str]:
    code = normalize_code(code)
    if code:
        partner = partner_get_by_code(code=code, active_only=True)
        if partner is not None:
            return partner, A.CODE
    if referral is not None and referral.is_fresh(now):
        partner = partner_get_by_slug(slug=referral.slug, active_only=True)
        if partner is not None:
            return partner, referral.source
    return None, A.NONE


def attribution_resolve(
    *,
    customer_email: str,
    user=None,
    code: str = "",
    referral: Referral | None = None,
    now: datetime | None = None,
    code_partner: Partner | None = None,
) -> tuple[Partner | None, str]:
    """`code_partner`: the partner partner_code_check found for `code`, when the
    caller checked the code already (it is active then: not looked up again)."""
    email = normalize_email(customer_email)
    own = _own_partner(user=user, email=email)
    if own is not None:
        return own, A.SELF
    if code_partner is not None and code_partner.status == Partner.Status.ACTIVE:
        context_partner, context_reason = code_partner, A.CODE
    else:
        context_partner, context_reason = _referral_context(code=code, referral=referral, now=now)
    if settings.ATTRIBUTION_MODE == LAST_TOUCH and context_partner is not None:
        return context_partner, context_reason
    bound = _bound_partner(email=email)
    if bound is not None:
        return bound, A.BOUND
    return context_partner, context_reason


# How the intake API names the reasons (the own checkout's landing/cookie are one "referral").
API_REASONS = {
    A.SELF: "own",
    A.BOUND: "bound",
    A.CODE: "code",
    A.LANDING: "referral",
    A.COOKIE: "referral",
    A.IMPORT: "import",
    A.ADMIN: "admin",
    A.NONE: "none",
}


def attribution_explain(
    *, partner: Partner | None, reason: str, code: str = "", referral_slug: str = ""
) -> str:
    """Why attribution_resolve chose `partner` for `reason`, in a sentence, with
    what it did not follow (a code behind a binding, an invalid code)."""
    code = normalize_code(code)
    name = partner.slug if partner else ""
    if reason == A.SELF:
        text = _(
            "The customer's e-mail is the account e-mail of partner %(partner)s: "
            "the partner's own order (own volume)."
        ) % {"partner": name}
    elif reason == A.BOUND:
        text = _("The customer is bound to partner %(partner)s (lifetime customer protection).") % {
            "partner": name
        }
        if code and code not in (name, partner.code):
            text += " " + _("The partner code “%(code)s” does not change that.") % {"code": code}
    elif reason == A.CODE:
        text = _("Partner code “%(code)s” of the active partner %(partner)s.") % {
            "code": code,
            "partner": name,
        }
    elif reason in (A.LANDING, A.COOKIE):
        text = _(
            "The customer came through the page of partner %(partner)s within the attribution window."
        ) % {"partner": name}
    else:
        text = _("No partner: the order counts for the company.")
        if code:
            text += " " + _(
                "The partner code “%(code)s” is unknown, inactive or terminated and does not attribute."
            ) % {"code": code}
        elif referral_slug:
            text += " " + _(
                "The referral “%(slug)s” is unknown, inactive or too old and does not attribute."
            ) % {"slug": referral_slug}
    return text
