"""Listens to the hooks of the apps below (they never import notifications).
Each receiver runs inside the event's transaction and only schedules a task
for after the commit: a rolled-back event tells nobody anything."""

from functools import partial

from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from orders.events import order_event_recorded
from partners.signals import partner_enrolled
from payouts.events import payout_item_returned, payout_run_paid
from qualification.events import period_closing, title_ranks_raising
from returns.events import return_received
from subscriptions.events import (
    subscription_cancelled,
    subscription_paused,
    subscription_resumed,
    subscription_started,
)

from . import tasks

CHUNK = 1000


@receiver(order_event_recorded, dispatch_uid="notifications_order_paid")
def order_paid(sender, event, **kwargs):
    if event.kind == "paid":
        transaction.on_commit(partial(tasks.notify_order_paid.delay, event.pk))


@receiver(return_received, dispatch_uid="notifications_order_returned")
def order_returned(sender, ret, refund, **kwargs):
    transaction.on_commit(partial(tasks.notify_order_returned.delay, refund.pk))


@receiver(partner_enrolled, dispatch_uid="notifications_partner_enrolled")
def partner_joined(sender, partner, **kwargs):
    if partner.sponsor_id:
        transaction.on_commit(partial(tasks.notify_partner_enrolled.delay, partner.pk))


@receiver(title_ranks_raising, dispatch_uid="notifications_title_ranks")
def title_ranks(sender, period, changes, **kwargs):
    # Read now: after the raise the old titles are gone (one query).
    raised = [(pid, new_level, new_name) for pid, _slug, _ol, _on, new_level, new_name in changes()]
    for start in range(0, len(raised), CHUNK):
        chunk = raised[start : start + CHUNK]
        transaction.on_commit(partial(tasks.notify_title_ranks.delay, period.pk, chunk))


@receiver(period_closing, dispatch_uid="notifications_statements")
def statements(sender, period, **kwargs):
    # The statements are written in this transaction (commissions); read them after it.
    transaction.on_commit(partial(tasks.notify_statements.delay, period.pk))


@receiver(payout_run_paid, dispatch_uid="notifications_payout_paid")
def run_paid(sender, run, **kwargs):
    transaction.on_commit(partial(tasks.notify_payout_run_paid.delay, run.pk))


@receiver(payout_item_returned, dispatch_uid="notifications_payout_returned")
def item_returned(sender, item, entry, **kwargs):
    transaction.on_commit(partial(tasks.notify_payout_returned.delay, entry.pk))


def _subscription_receiver(change: str):
    def notify(sender, subscription, **kwargs):
        at = timezone.now().isoformat(timespec="seconds")
        transaction.on_commit(
            partial(tasks.notify_subscription_changed.delay, subscription.pk, change, at)
        )

    return notify


for _signal, _change in (
    (subscription_started, "started"),
    (subscription_resumed, "resumed"),
    (subscription_paused, "paused"),
    (subscription_cancelled, "cancelled"),
):
    _signal.connect(
        _subscription_receiver(_change),
        weak=False,
        dispatch_uid=f"notifications_subscription_{_change}",
    )
