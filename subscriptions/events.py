"""What subscriptions announce to apps above them (notifications).

Each is sent inside the transaction of the change, with sender=Subscription and
subscription=<Subscription>; a receiver schedules its work with on_commit.
"""

from django.dispatch import Signal

subscription_started = Signal()
subscription_paused = Signal()
subscription_resumed = Signal()
subscription_cancelled = Signal()
