"""Where this app keeps personal data (see partners/personal_data.py for the
format). Event payloads carry ids, amounts and a partner's slug (their landing
page address, which often is their name). The outbox keeps each event for
replays until webhook_history_prune drops it; an erasure cuts the partner's slug
and names out of every stored event that names them by id (the receivers had
the events already; what we keep is our copy). Later events carry the
pseudonym (webhooks/payloads.py: data minimisation)."""

# Every place a payload names a partner ({"id": ..., "slug": ...}, webhooks/payloads.py).
PARTNER_REFS = [
    "payload__partner__id",
    "payload__order__attributed_partner__id",
    "payload__reattribution__from_partner__id",
    "payload__reattribution__to_partner__id",
]

PERSONAL_DATA = {
    "webhooks.Message": {
        "subject": [("partner", lookup) for lookup in PARTNER_REFS],
        "fields": {"payload": "json_redact"},
    },
}

NOT_PERSONAL = {
    "webhooks.Endpoint.description": "the company's own note on a receiver",
    "webhooks.Endpoint.url": "a receiving system's address",
    "webhooks.Endpoint.disabled_reason": "why the company's receiver was switched off",
    "webhooks.Attempt.response_excerpt": "a receiving system's answer",
}
