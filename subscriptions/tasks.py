from celery import shared_task

from .services import subscriptions_run


@shared_task(ignore_result=True)
def run_subscriptions() -> int:
    """Daily (beat): the due cycles' orders, price notices, pre-notifications.
    Safe to retry or to run twice: nothing is created twice."""
    return subscriptions_run().pk
