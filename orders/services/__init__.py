"""Writes on orders, one subject per module.

lifecycle.py (the status machine: paid, shipped, cancelled), refunds.py (full,
partial, a payment after cancellation), customers.py (re-attribution and
customer binding), checkout.py (placing an order), intake.py (orders of the
company's external shops), api_keys.py (their keys), images.py (product
images). Every transition is one service; admin actions and webhooks call the
same ones. Imported history goes through orders/bulk.py (the bulk variant,
same decisions). Long operations are a pure preparation plus an atomic write:
order_prepare / order_place, refund_prepare / order_refund. Volume-relevant
changes record an OrderEvent and announce it inside the same transaction
(orders/events.py), so downstream apps book atomically. The public names are
re-exported here, so `from orders.services import order_place` works as before.
"""

from .api_keys import (
    API_KEY_PREFIX,
    company_api_key_create,
    company_api_key_hash,
    company_api_key_revoke,
)
from .checkout import (
    NUMBER_ALPHABET,
    OrderDraft,
    code_benefit_current,
    order_number_generate,
    order_place,
    order_place_prepared,
    order_prepare,
)
from .customers import (
    customer_bind,
    customer_get_or_create,
    customer_rebind,
    customers_rebind_from_terminated,
    order_reattribute,
)
from .images import product_image_refresh
from .intake import (
    EXTERNAL_ID_MAX,
    ExternalLine,
    external_id_for,
    idempotency_keys_prune,
    order_external_place,
    order_external_prepare,
)
from .lifecycle import (
    TRANSITIONS,
    S,
    order_cancel,
    order_event_record,
    order_mark_paid,
    order_payment_reference_set,
    order_ship,
)
from .refunds import (
    RefundDraft,
    order_late_payment_record,
    order_late_payment_refund,
    order_refund,
    refund_prepare,
)

__all__ = [
    "API_KEY_PREFIX",
    "EXTERNAL_ID_MAX",
    "ExternalLine",
    "NUMBER_ALPHABET",
    "OrderDraft",
    "RefundDraft",
    "S",
    "TRANSITIONS",
    "code_benefit_current",
    "company_api_key_create",
    "company_api_key_hash",
    "company_api_key_revoke",
    "customer_bind",
    "customer_get_or_create",
    "customer_rebind",
    "customers_rebind_from_terminated",
    "external_id_for",
    "idempotency_keys_prune",
    "order_cancel",
    "order_event_record",
    "order_external_place",
    "order_external_prepare",
    "order_late_payment_record",
    "order_late_payment_refund",
    "order_mark_paid",
    "order_number_generate",
    "order_payment_reference_set",
    "order_place",
    "order_place_prepared",
    "order_prepare",
    "order_reattribute",
    "order_refund",
    "order_ship",
    "product_image_refresh",
    "refund_prepare",
]
