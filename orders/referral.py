"""Which partner page did this visitor see last? (spec 3.3b, TDDDG section 25)

- Looking creates nothing: the public pages are the same for every visitor and
  carry the partner in their URLs (/<slug>/, /shop/?ref=<slug>, the product
  pages and the add-to-cart form), so every step from a partner's page stays
  scoped to that partner.
- At the visitor's first action (add to cart, consent, checkout), where a
  session is needed anyway, the partner the page was scoped to goes into the
  session (request.session["referral"] = {"slug", "name", "at" (unix time), "via"}),
  without consent, as long as the browser session lasts. A visitor who has a
  session already has it renewed by each partner page they see (visitor view).
- Only after the visitor said yes in the consent banner (consent cookie
  "mlm_consent" = "accepted", itself strictly necessary to remember the choice):
  a signed cookie settings.REFERRAL_COOKIE_NAME holding "<slug>:<unix time>",
  followed by "?c=<campaign>&utm_…" when a campaign link brought the visitor
  (so an order in a later browser session still counts for that link), kept
  for ATTRIBUTION_WINDOW_DAYS. "declined" (or no answer) means no such cookie,
  and saying no later deletes it.
- At checkout the most recent of both within the window counts (referral_current).
"""

import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode

from django.conf import settings

from partners.models import Partner
from partners.selectors import partner_get_by_slug

from .attribution import Referral, referral_most_recent
from .models import Order

SESSION_KEY = "referral"
CONSENT_COOKIE = "mlm_consent"
CONSENT_ACCEPTED = "accepted"
CONSENT_DECLINED = "declined"
CONSENT_MAX_AGE = 365 * 24 * 3600
# The version of the consent text (banner and cookie settings page); change it
# whenever their wording changes, so the evidence says which text was answered.
CONSENT_TEXT_VERSION = "2026-11"
COOKIE_SALT = "mlm.referral"
# What a partner's landing page address can look like (partners/forms.py normalises to it).
SLUG_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
# A campaign's name as a partner writes it ("insta-story-nov"): what campaign
# links (/<slug>/c/<name>/, ?c=<name>) carry and orders store.
CAMPAIGN_RE = re.compile(r"[a-z0-9](?:[a-z0-9_-]{0,38}[a-z0-9])?")
CAMPAIGN_MAX = 40
# The utm_* parameters recorded with a referral (and on the order), each cut to this length.
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term")
UTM_MAX = 100
# A visit to the same page again within this many seconds does not rewrite the session.
SAME_VISIT_SECONDS = 60

# Link-preview and search bots: they neither become referrals nor count as visits.
BOT_RE = re.compile(
    r"bot|crawl|spider|slurp|facebookexternalhit|whatsapp/|telegrambot|embedly|linkpreview|headlesschrome",
    re.I,
)


@dataclass(frozen=True)
class LinkParams:
    """Which link brought a visitor: the partner's campaign and the utm_* tags."""

    campaign: str = ""
    utm: dict = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.campaign or self.utm)

    def query(self) -> str:
        """As a query string (`c` and utm_*), the form link_params reads back."""
        return urlencode({**({"c": self.campaign} if self.campaign else {}), **self.utm})


def campaign_from_text(value) -> str:
    """A campaign name from a link (`c`), normalised; "" for anything else."""
    if not isinstance(value, str):
        return ""
    value = value.strip().lower()
    return value if CAMPAIGN_RE.fullmatch(value) else ""


def _utm_value(value) -> str:
    if not isinstance(value, str):
        return ""
    return "".join(ch for ch in value if ch.isprintable()).strip()[:UTM_MAX]


def link_params(source) -> LinkParams:
    """The campaign and utm_* of a query string or a QueryDict (a form's data);
    malformed values are dropped."""
    if isinstance(source, str):
        source = dict(parse_qsl(source[:2000]))
    utm = {key: _utm_value(source.get(key)) for key in UTM_KEYS}
    return LinkParams(
        campaign=campaign_from_text(source.get("c")),
        utm={key: value for key, value in utm.items() if value},
    )


def is_bot(request) -> bool:
    return bool(BOT_RE.search(request.META.get("HTTP_USER_AGENT", "")))


def window_seconds() -> int:
    return settings.ATTRIBUTION_WINDOW_DAYS * 24 * 3600


def consent_state(request) -> str | None:
    value = request.COOKIES.get(CONSENT_COOKIE)
    return value if value in (CONSENT_ACCEPTED, CONSENT_DECLINED) else None


def referral_partner(slug) -> Partner | None:
    """The active partner a link or form names (`ref`, a landing page address), or
    None for anything else: unknown, paused or terminated partners and malformed
    input (a NUL byte, an overlong value) are ignored without a database query."""
    if not isinstance(slug, str) or not SLUG_RE.fullmatch(slug.strip().lower()):
        return None
    return partner_get_by_slug(slug=slug, active_only=True)


def referral_remember(
    request, response=None, *, partner, via: str = "landing", link: LinkParams | None = None
) -> None:
    """The visitor acted on `partner`'s page (or a page scoped to them) just now:
    remember the partner in the session and, after consent, in the signed cookie
    (set on `response`). Call it only where a session is needed anyway (add to
    cart, checkout, consent), or where the visitor has a session already.

    `link`: the campaign and utm_* of the link that brought the visitor. A later
    visit of the same partner without them keeps the ones remembered; another
    partner's page replaces them."""
    now = time.time()
    current = request.session.get(SESSION_KEY) or {}
    same_partner = current.get("slug") == partner.slug
    if link:
        campaign, utm = link.campaign, link.utm
    elif same_partner:
        campaign, utm = current.get("campaign", ""), current.get("utm") or {}
    else:
        campaign, utm = "", {}
    if (
        not same_partner
        or now - float(current.get("at") or 0) > SAME_VISIT_SECONDS
        or campaign != current.get("campaign", "")
        or utm != (current.get("utm") or {})
    ):
        request.session[SESSION_KEY] = {
            "slug": partner.slug,
            "name": partner.full_name,
            "at": now,
            "via": via,
            "campaign": campaign,
            "utm": utm,
        }
    if response is not None:
        referral_cookie_refresh(request, response, partner=partner, at=now)


def referral_cookie_refresh(request, response, *, partner, at: float | None = None) -> None:
    """After consent, the referral cookie names `partner` from now on, with the
    campaign and utm_* the session remembers for them."""
    if consent_state(request) == CONSENT_ACCEPTED:
        current = request.session.get(SESSION_KEY) or {}
        link = (
            LinkParams(campaign=current.get("campaign", ""), utm=current.get("utm") or {})
            if current.get("slug") == partner.slug
            else None
        )
        referral_cookie_set(
            response,
            slug=partner.slug,
            at=time.time() if at is None else at,
            link=link,
            secure=request.is_secure(),
        )


def is_own_page(request, partner) -> bool:
    """A signed-in partner looking at their own page: no visit, no referral."""
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.pk == partner.user_id)


def referral_from_session(request) -> Referral | None:
    data = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    if not data or not data.get("slug"):
        return None
    try:
        seen_at = datetime.fromtimestamp(float(data["at"]), tz=UTC)
    except (KeyError, TypeError, ValueError):
        return None
    link = link_params({"c": data.get("campaign"), **(data.get("utm") or {})})
    return Referral(
        slug=data["slug"],
        seen_at=seen_at,
        source=Order.Attribution.LANDING,
        campaign=link.campaign,
        utm=tuple(sorted(link.utm.items())),
    )


def referral_from_cookie(request) -> Referral | None:
    if consent_state(request) != CONSENT_ACCEPTED:
        return None
    value = request.get_signed_cookie(
        settings.REFERRAL_COOKIE_NAME, default=None, salt=COOKIE_SALT, max_age=window_seconds()
    )
    if not value or ":" not in value:
        return None
    value, _sep, query = value.partition("?")
    slug, _sep, at = value.rpartition(":")
    try:
        seen_at = datetime.fromtimestamp(int(at), tz=UTC)
    except (TypeError, ValueError, OverflowError):
        return None
    link = link_params(query)
    return Referral(
        slug=slug,
        seen_at=seen_at,
        source=Order.Attribution.COOKIE,
        campaign=link.campaign,
        utm=tuple(sorted(link.utm.items())),
    )


def referral_current(request) -> Referral | None:
    """The most recent referral this visitor brings to the checkout, if still fresh.
    Session first, so a visit remembered in both counts as a landing page visit."""
    fresh = [
        r
        for r in (referral_from_session(request), referral_from_cookie(request))
        if r and r.is_fresh()
    ]
    return referral_most_recent(*fresh)


def referring_partner(request) -> Partner | None:
    """The partner whose page the customer came through (fresh referral, active
    partner), named at checkout; None when there is none."""
    referral = referral_current(request)
    return referral_partner(referral.slug) if referral else None


def referral_cookie_set(
    response, *, slug: str, at: float, link: LinkParams | None = None, secure: bool = False
) -> None:
    response.set_signed_cookie(
        settings.REFERRAL_COOKIE_NAME,
        f"{slug}:{int(at)}" + (f"?{link.query()}" if link else ""),
        salt=COOKIE_SALT,
        max_age=window_seconds(),
        httponly=True,
        samesite="Lax",
        secure=secure,
    )


def referral_cookie_delete(response) -> None:
    response.delete_cookie(settings.REFERRAL_COOKIE_NAME, samesite="Lax")


def consent_cookie_set(response, *, accepted: bool, secure: bool = False) -> None:
    response.set_cookie(
        CONSENT_COOKIE,
        CONSENT_ACCEPTED if accepted else CONSENT_DECLINED,
        max_age=CONSENT_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=secure,
    )


def consent_banner_referral(request) -> dict | None:
    """The session referral the banner asks about; None when there is nothing to
    ask (no referral) or the visitor has answered already."""
    if consent_state(request) is not None or not hasattr(request, "session"):
        return None
    return request.session.get(SESSION_KEY) or None
