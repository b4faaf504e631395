"""Order events for consumers downstream (qualification).

`order_event_recorded` is sent inside the transaction that records the event, so
a consumer can append its own rows atomically and schedule work with on_commit.
"""

from django.dispatch import Signal

# event: OrderEvent
order_event_recorded = Signal()
