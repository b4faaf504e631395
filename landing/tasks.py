from celery import shared_task
from django.core.management import call_command

from .services import landing_visits_flush


@shared_task
def flush_landing_visits() -> int:
    """Beat, every minute: visits counted in Redis into LandingVisitDay."""
    return landing_visits_flush()


@shared_task
def clear_expired_sessions() -> None:
    """Beat, daily: delete expired sessions (Django's clearsessions)."""
    call_command("clearsessions")
