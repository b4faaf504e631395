"""Celery tasks: thin wrappers around the services."""

from celery import shared_task

from .services import sandbox_run_execute


@shared_task(acks_late=True)
def sandbox_run_task(run_id: int) -> str | None:
    run = sandbox_run_execute(run_id=run_id)
    return run.status if run is not None else None
