"""The partner's customers and the orders attributed to the partner (no
addresses beyond what the customers page shows)."""

from __future__ import annotations

from django.db.models import Count, F, Min, OuterRef, Prefetch, Q, QuerySet, Subquery, Window
from django.db.models.functions import Lower, RowNumber, Substr, Upper

from orders.models import Customer, Order
from partners.models import Partner
from subscriptions.models import Subscription


def partner_customers(*, partner: Partner) -> QuerySet[Customer]:
    """Customers bound to the partner, with the orders attributed to the
    partner prefetched (date, status, QV; no addresses).

    `first_order_at`: their first order with the partner ("customer since").
    `first_delivery_on`: the next date of their running subscription with the
    partner (a subscription customer without an order yet: "no delivery yet").
    `same_name_no`: partners see a first name and an initial only, so two
    "Anna M." are told apart by number in the order they became customers
    ("Anna M.", "Anna M. (2)"), stable across pages."""
    orders = (
        Order.objects.filter(attributed_partner=partner)
        .only(
            "pk",
            "number",
            "status",
            "placed_at",
            "paid_at",
            "qv",
            "customer_id",
            "currency",
            "total",
        )
        .order_by("-placed_at")
    )
    return (
        Customer.objects.filter(bound_partner=partner)
        .only(
            "pk", "first_name", "last_name", "email", "bound_at", "created_at", "pseudonymised_at"
        )
        .annotate(
            order_count=Count("orders", filter=Q(orders__attributed_partner=partner)),
            first_order_at=Min("orders__placed_at", filter=Q(orders__attributed_partner=partner)),
            first_delivery_on=Subquery(
                Subscription.objects.filter(
                    customer=OuterRef("pk"), partner=partner, status=Subscription.Status.ACTIVE
                )
                .order_by("next_date")
                .values("next_date")[:1]
            ),
            same_name_no=Window(
                RowNumber(),
                partition_by=[Lower("first_name"), Upper(Substr("last_name", 1, 1))],
                order_by=[F("bound_at").asc(nulls_last=True), F("pk").asc()],
            ),
        )
        .prefetch_related(Prefetch("orders", queryset=orders, to_attr="partner_orders"))
        .order_by("-bound_at", "-pk")
    )


def partner_orders(*, partner: Partner) -> QuerySet[Order]:
    return Order.objects.filter(attributed_partner=partner).order_by("-placed_at", "-pk")
