"""Reads for the public pages."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.text import slugify

from orders.models import Product
from orders.referral import SLUG_RE
from orders.selectors import product_list_active
from partners.models import Partner

from .models import Campaign, FeaturedProduct


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


def product_url_name(product: Product) -> str:
    """The readable part of a product's address (/<slug>/p/<pk>-<name>/); the
    id is the stable key, the name only reads well and follows renames."""
    return slugify(product.name)[:60].strip("-") or "product"


def partner_product_path(*, slug: str, product: Product) -> str:
    """/<slug>/p/<pk>-<name>/: a product under a partner."""
    return reverse(
        "landing:partner_product",
        kwargs={"slug": slug, "pk": product.pk, "name": product_url_name(product)},
    )


def landing_products_for(*, partner) -> list[Product]:
    """The active products for a partner's page: their featured ones first, in
    their order, then the rest of the catalogue (each product is marked with
    `.featured`)."""
    products = list(product_list_active())
    order = {
        pid: i
        for i, pid in enumerate(
            FeaturedProduct.objects.filter(partner=partner).values_list("product_id", flat=True)
        )
    }
    for product in products:
        product.featured = product.pk in order
        product.partner_url = partner_product_path(slug=partner.slug, product=product)
    featured = sorted((p for p in products if p.featured), key=lambda p: order[p.pk])
    return featured + [p for p in products if not p.featured]


def campaigns_of(*, partner) -> list[Campaign]:
    return list(Campaign.objects.filter(partner=partner))
