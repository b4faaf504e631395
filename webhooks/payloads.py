"""What each event says: ids, amounts, volume and statuses, never a customer's
or partner's name, e-mail address or postal address (data minimisation)."""


def _partner_ref(partner) -> dict | None:
    if partner is None:
        return None
    return {"id": partner.pk, "slug": partner.slug}


def order_data(order) -> dict:
    return {
        "id": order.pk,
        "number": order.number,
        "status": order.status,
        "currency": order.currency,
        "subtotal": order.subtotal,
        "shipping": order.shipping,
        "total": order.total,
        "vat_total": order.vat_total,
        "qv": order.qv,
        "attribution": order.attribution,
        "attributed_partner": _partner_ref(order.attributed_partner),
        "placed_at": order.placed_at,
        "paid_at": order.paid_at,
    }


def order_event_payload(event) -> dict:
    payload = {"order": order_data(event.order), "occurred_at": event.occurred_at}
    if event.refund is not None:
        refund = event.refund
        payload["refund"] = {
            "id": refund.pk,
            "amount": refund.amount,
            "qv": refund.qv,
            "is_full": refund.is_full,
            "refunded_at": refund.refunded_at,
        }
    if event.attribution_change is not None:
        change = event.attribution_change
        payload["reattribution"] = {
            "id": change.pk,
            "from_partner": _partner_ref(change.from_partner),
            "to_partner": _partner_ref(change.to_partner),
        }
    return payload


def partner_data(partner) -> dict:
    return {
        "id": partner.pk,
        "slug": partner.slug,
        "status": partner.status,
        "sponsor_id": partner.sponsor_id,
        "joined_at": partner.joined_at,
    }


def period_data(period) -> dict:
    return {
        "id": period.pk,
        "label": period.label,
        "start": period.start,
        "status": period.status,
        "closed_at": period.closed_at,
    }


def order_ready_to_ship_payload(order) -> dict:
    """What the warehouse needs to know that there is work: the order and its lines
    (the address comes from GET /api/v1/shipments/ready, with a company key)."""
    return {
        "order": order_data(order),
        "lines": [
            {"id": line.pk, "sku": line.sku, "name": line.name, "quantity": line.quantity}
            for line in order.lines.order_by("pk")
        ],
    }


def shipment_payload(shipment) -> dict:
    return {
        "order": order_data(shipment.order),
        "shipment": {
            "id": shipment.pk,
            "carrier": shipment.carrier,
            "tracking_number": shipment.tracking_number,
            "tracking_url": shipment.tracking_url("de"),
            "shipped_on": shipment.shipped_on,
            "delivered_on": shipment.delivered_on,
            "lines": [
                {"order_line_id": line.order_line_id, "quantity": line.quantity}
                for line in shipment.lines.order_by("pk")
            ],
        },
    }
