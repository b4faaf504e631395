"""Who an order and a customer belong to: re-attributing an order, binding a
customer to a partner, rebinding, and the customers of a terminated partner
handed to the nearest active upline.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.models import Partner, normalize_email
from partners.services import partner_nearest_active_upline

from ..attribution import attribution_for_assigned
from ..models import AttributionChange, Customer, CustomerBindingChange, Order, OrderEvent
from .lifecycle import _lock, order_event_record


@transaction.atomic
def order_reattribute(
    *, order: Order, partner: Partner | None, changed_by, reason: str
) -> AttributionChange:
    """An admin gives an order to another partner (or the company). Logged; the
    qualification app rebooks the volume of every period it touches."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Please give a reason for the re-attribution.")})
    order = _lock(order)
    if order.attributed_partner_id == (partner.pk if partner else None):
        raise ValidationError(_("The order is already attributed to this partner."))
    change = AttributionChange.objects.create(
        order=order,
        from_partner_id=order.attributed_partner_id,
        to_partner=partner,
        changed_by=changed_by,
        reason=reason.strip(),
    )
    order.attributed_partner = partner
    order.attribution = attribution_for_assigned(
        customer_email=order.customer.email,
        partner_id=partner.pk if partner else None,
        partner_email=partner.user.email if partner else None,
        reason=Order.Attribution.ADMIN,
    )
    order.save(update_fields=["attributed_partner", "attribution", "updated_at"])
    order_event_record(
        order=order,
        kind=OrderEvent.Kind.REATTRIBUTED,
        key=f"reattribution:{change.pk}",
        occurred_at=change.created_at,
        attribution_change=change,
    )
    return change


def customer_get_or_create(*, email: str, first_name: str = "", last_name: str = "") -> Customer:
    email = normalize_email(email)
    customer, created = Customer.objects.get_or_create(
        email=email, defaults={"first_name": first_name, "last_name": last_name}
    )
    return customer


def customer_bind(*, customer: Customer, partner: Partner, at=None) -> bool:
    """The first attributed order binds the customer (spec 3.4). True if it bound now."""
    updated = Customer.objects.filter(pk=customer.pk, bound_partner__isnull=True).update(
        bound_partner=partner, bound_at=at or timezone.now()
    )
    if updated:
        customer.bound_partner = partner
    return bool(updated)


@transaction.atomic
def customer_rebind(
    *, customer: Customer, partner: Partner | None, changed_by, reason: str
) -> CustomerBindingChange:
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Please give a reason for the new binding.")})
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    change = CustomerBindingChange.objects.create(
        customer=customer,
        from_partner=customer.bound_partner,
        to_partner=partner,
        changed_by=changed_by,
        reason=reason.strip(),
    )
    customer.bound_partner = partner
    customer.bound_at = timezone.now() if partner else None
    customer.save(update_fields=["bound_partner", "bound_at"])
    return change


@transaction.atomic
def customers_rebind_from_terminated(*, partner: Partner, changed_by=None) -> int:
    """Spec 3.8: customers of a terminated partner go to the nearest active
    partner above them, logged."""
    heir = partner_nearest_active_upline(partner=partner)
    customers = list(
        Customer.objects.select_for_update().filter(bound_partner=partner).order_by("pk")
    )
    reason = _("Partner %(slug)s was terminated.") % {"slug": partner.slug}
    CustomerBindingChange.objects.bulk_create(
        [
            CustomerBindingChange(
                customer=c,
                from_partner=partner,
                to_partner=heir,
                changed_by=changed_by,
                reason=reason,
            )
            for c in customers
        ]
    )
    Customer.objects.filter(pk__in=[c.pk for c in customers]).update(
        bound_partner=heir, bound_at=timezone.now() if heir else None
    )
    return len(customers)
