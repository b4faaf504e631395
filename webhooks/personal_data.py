"""Personal data in this app (see partners/personal_data.py): none. Event
payloads carry ids, amounts and a partner's slug, which erasure replaces by a
pseudonym for every later event (webhooks/payloads.py: data minimisation)."""

PERSONAL_DATA: dict = {}

NOT_PERSONAL = {
    "webhooks.Endpoint.description": "the company's own note on a receiver",
    "webhooks.Endpoint.url": "a receiving system's address",
    "webhooks.Endpoint.disabled_reason": "why the company's receiver was switched off",
    "webhooks.Attempt.response_excerpt": "a receiving system's answer",
}
