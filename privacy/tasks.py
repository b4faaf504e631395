from celery import shared_task

from . import services


@shared_task
def export_build(job_id: int) -> None:
    services.export_job_build(job_id=job_id)


@shared_task
def scrub_expired_retention() -> int:
    """Daily: scrub restricted records whose retention has ended, and delete
    expired export files."""
    services.exports_expired_delete()
    return services.retention_scrub_expired()
