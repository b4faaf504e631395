"""Listens to partners' hooks (partners does not know about orders)."""

from django.dispatch import receiver

from partners.models import Partner
from partners.signals import partner_status_changed


@receiver(partner_status_changed)
def rebind_customers_of_terminated_partner(sender, partner, old_status, changed_by=None, **kwargs):
    if partner.status == Partner.Status.TERMINATED:
        from .services import customers_rebind_from_terminated

        customers_rebind_from_terminated(partner=partner, changed_by=changed_by)
