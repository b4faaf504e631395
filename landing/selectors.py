"""Reads for the public pages."""

from dataclasses import dataclass
from functools import cache

from django.db import connection

from orders.models import Product
from partners.models import Partner


@dataclass(frozen=True)
class LandingPartner:
    """What a landing page request needs before it knows whether the cached
    page can be served: who, whether active, and a stamp of everything the page
    shows (the partner row and the product catalogue)."""

    pk: int
    user_id: int
    slug: str
    first_name: str
    last_name: str
    stamp: str

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@cache
def _landing_sql() -> str:
    p, pr = Partner._meta.db_table, Product._meta.db_table
    return (
        f"SELECT id, user_id, slug, first_name, last_name, updated_at, "  # noqa: S608 - table names from models
        f'(SELECT MAX(updated_at) FROM "{pr}"), (SELECT COUNT(*) FROM "{pr}") '
        f'FROM "{p}" WHERE slug = %s AND status = %s'
    )


def landing_partner_get(*, slug: str) -> LandingPartner | None:
    """The active partner of a landing page address, or None for unknown, paused
    and terminated ones. One indexed query, written by hand because it runs on
    every landing page view and the ORM's compile time dominated it."""
    with connection.cursor() as cursor:
        cursor.execute(_landing_sql(), [(slug or "").strip().lower(), Partner.Status.ACTIVE])
        row = cursor.fetchone()
    if row is None:
        return None
    pk, user_id, slug, first_name, last_name, updated_at, products_changed, products_count = row
    return LandingPartner(
        pk=pk,
        user_id=user_id,
        slug=slug,
        first_name=first_name,
        last_name=last_name,
        stamp=f"{updated_at}|{products_changed}|{products_count}".replace(" ", "_"),
    )


def landing_partner_for_page(*, pk: int) -> Partner:
    return Partner.objects.get(pk=pk)


def landing_catalogue_stamp() -> str:
    """Changes whenever a product is saved, added or deleted (shop page cache key)."""
    table = Product._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT MAX(updated_at), COUNT(*) FROM "{table}"')  # noqa: S608
        changed, count = cursor.fetchone()
    return f"{changed}|{count}".replace(" ", "_")
