"""Subscriptions listen to payouts: a returned direct debit of a cycle order."""

from django.dispatch import receiver

from payouts.events import debit_returned

from .services import subscription_debit_returned


@receiver(debit_returned, dispatch_uid="subscriptions_debit_returned")
def _debit_returned(sender, order, reason_code, **kwargs):
    subscription_debit_returned(order=order, reason_code=reason_code)
