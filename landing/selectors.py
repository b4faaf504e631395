"""Reads for the public pages."""

from dataclasses import dataclass

from orders.models import Product
from orders.referral import SLUG_RE
from partners.models import Partner


@dataclass(frozen=True)
class LandingPartner:
    """Who a landing page address belongs to (active partners only)."""

    pk: int
    user_id: int
    slug: str
    first_name: str
    last_name: str

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


def landing_partner_get(*, slug: str) -> LandingPartner | None:
    """The active partner of a landing page address, or None for unknown, paused,
    terminated and malformed ones (no query for those)."""
    slug = (slug or "").strip().lower()
    if not SLUG_RE.fullmatch(slug):
        return None
    row = (
        Partner.objects.filter(slug=slug, status=Partner.Status.ACTIVE)
        .values_list("pk", "user_id", "slug", "first_name", "last_name")
        .first()
    )
    return LandingPartner(*row) if row else None


def landing_partner_for_page(*, pk: int) -> Partner:
    return Partner.objects.get(pk=pk)


def landing_product_get(*, pk: int) -> Product | None:
    """An active product for its own page, or None."""
    return Product.objects.filter(pk=pk, is_active=True).first()
