"""Where this app keeps personal data and how an erasure treats it (see
partners/personal_data.py for the strategies). An order is a booking document:
its buyer's name and address stay, restricted to admins, until 8 years after
the end of the year it was placed in (then privacy.tasks.scrub_expired_retention
scrubs them); its amounts and lines are never touched."""

PERSONAL_DATA = {
    "orders.Customer": {
        "subject": [("customer", "pk")],
        "fields": {"email": "email", "first_name": "name", "last_name": "name"},
    },
    "orders.Order": {
        "subject": [("customer", "customer")],
        "fields": {
            "email": "email",
            "first_name": "name",
            "last_name": "name",
            "street": "blank",
            "postal_code": "blank",
            "city": "blank",
            "company_name": "blank",
            "vat_id": "blank",
        },
        "retention": {
            "years": 8,
            "date": "placed_at",
            "fields": [
                "first_name",
                "last_name",
                "street",
                "postal_code",
                "city",
                "company_name",
                "vat_id",
            ],
        },
    },
    # Other people's orders remember the partner's address they came through.
    "orders.Order#referral": {
        "subject": [("partner", "referral_slug", "slug"), ("partner", "referral_code", "slug")],
        "fields": {"referral_slug": "redact", "referral_code": "redact"},
    },
    "orders.CustomerBindingChange": {
        "subject": [
            ("customer", "customer"),
            ("partner", "from_partner"),
            ("partner", "to_partner"),
        ],
        "fields": {"reason": "redact"},
    },
    "orders.AttributionChange": {
        "subject": [
            ("customer", "order__customer"),
            ("partner", "from_partner"),
            ("partner", "to_partner"),
        ],
        "fields": {"reason": "redact"},
    },
    "orders.OrderTransition": {
        "subject": [("customer", "order__customer")],
        "fields": {"note": "redact"},
    },
    "orders.Refund": {"subject": [("customer", "order__customer")], "fields": {"reason": "redact"}},
    # The intake API's stored answers (replayed for a repeated Idempotency-Key) name
    # the customer's e-mail; pruned after ORDER_INTAKE_IDEMPOTENCY_DAYS anyway.
    "orders.IdempotencyKey": {
        "subject": [("customer", "response_body__customer_email", "email")],
        "fields": {"response_body": "json_redact"},
    },
    "admin.LogEntry": {
        "subject": [("customer", "object_id")],
        "content_type": "orders.customer",
        "fields": {"object_repr": "redact", "change_message": "redact"},
    },
}

NOT_PERSONAL = {
    "orders.Product.name": "a product",
    "orders.Product.description": "a product",
    "orders.Product.image": "a product picture",
    "orders.Product.image_widths": "the widths of a product picture's web copies",
    "orders.OrderLine.name": "the product name copied onto the line",
    "orders.Order.late_payment_reference": "a payment provider's id",
    "orders.Order.payment_reference": "a payment provider's id",
    "orders.Refund.provider_reference": "a payment provider's id",
    "orders.CompanyApiKey.name": "an admin's label for a shop's API key (e.g. 'Shopify live')",
}

# Shown in a person's data export (Art. 15/20); never scrubbed (amounts, products).
EXPORT_ALSO = {
    "orders.OrderLine": [("customer", "order__customer")],
}
