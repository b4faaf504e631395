"""Where subscriptions keep personal data. A subscription is a contract, not a
booking document: erasing the customer cancels it (subscriptions_cancel_for_erasure,
called by privacy) and scrubs it; its orders are kept by orders' rules."""

PERSONAL_DATA = {
    "subscriptions.Subscription": {
        "subject": [("customer", "customer")],
        "fields": {
            "email": "email",
            "first_name": "name",
            "last_name": "name",
            "street": "blank",
            "postal_code": "blank",
            "city": "blank",
            "cancel_reason": "redact",
            "pause_reason": "redact",
        },
    },
}

NOT_PERSONAL: dict[str, str] = {}
