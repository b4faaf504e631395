"""What the landing app does when other apps report a change: drop the cached
public pages that show it, at once and again after commit (so a page rendered
from the old rows while the change was being written is not kept)."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from orders.events import catalogue_changed
from orders.models import Product
from partners.models import Partner
from partners.signals import partner_status_changed

from .services import landing_cache_invalidate


def _invalidate(partner_id: int | None = None) -> None:
    landing_cache_invalidate(partner_id=partner_id)
    transaction.on_commit(lambda: landing_cache_invalidate(partner_id=partner_id))


@receiver(catalogue_changed)
def _catalogue_changed(sender, **kwargs):
    _invalidate()


@receiver(post_save, sender=Product)
@receiver(post_delete, sender=Product)
def _product_saved(sender, **kwargs):
    _invalidate()


@receiver(post_save, sender=Partner)
def _partner_saved(sender, instance, **kwargs):
    _invalidate(instance.pk)


@receiver(partner_status_changed)
def _partner_status_changed(sender, partner, **kwargs):
    _invalidate(partner.pk)
