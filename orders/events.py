"""Order events for consumers downstream (qualification, landing).

`order_event_recorded` is sent inside the transaction that records the event, so
a consumer can append its own rows atomically and schedule work with on_commit.
"""

from django.dispatch import Signal

# event: OrderEvent
order_event_recorded = Signal()

# sender: Order; order: Order. Sent inside the transaction that marks an order
# shipped (invoices issued at shipping listen to it).
order_shipped = Signal()

# sender: Product. Sent inside the transaction when products were changed in bulk
# (admin actions use queryset.update(), which sends no post_save): pages that show
# the catalogue drop their cached copies (now and again after commit).
catalogue_changed = Signal()

# sender: None; accepted: bool, text_version: str. Sent when a visitor answers the
# consent banner or changes their choice on the cookie settings page, so the
# answer is kept as evidence (privacy.receivers).
consent_answered = Signal()
