"""Celery tasks: thin wrappers that call the services.

apply_team_size_changes is idempotent (applied changes leave the ledger in the
same transaction), so it acknowledges late and retries on database trouble.
"""

from celery import shared_task
from django.db import OperationalError

from .services import partner_team_size_changes_apply


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=1,
    retry_backoff_max=30,
    retry_jitter=True,
    max_retries=10,
)
def apply_team_size_changes() -> int:
    """After each sign-up or move (and every minute by beat, for changes whose
    task was lost): the pending team-size changes, added up."""
    return partner_team_size_changes_apply()
