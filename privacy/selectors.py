"""Reads about personal data requests."""

from django.core import signing

from .models import ErasureRequest, ExportJob, SubjectKind

DOWNLOAD_SALT = "privacy.export"
DOWNLOAD_MAX_AGE = 7 * 24 * 3600


def export_jobs_of(*, kind: str, subject_id: int):
    return ExportJob.objects.filter(subject_kind=kind, subject_id=subject_id)[:5]


def export_download_token(*, job: ExportJob) -> str:
    return signing.dumps(job.pk, salt=DOWNLOAD_SALT)


def export_job_from_token(token: str) -> ExportJob | None:
    """The job a download link names, or None when the link is forged or older than 7 days."""
    try:
        job_id = signing.loads(token, salt=DOWNLOAD_SALT, max_age=DOWNLOAD_MAX_AGE)
    except signing.BadSignature:
        return None
    return ExportJob.objects.filter(pk=job_id).first()


def erasure_request_open(*, partner_id: int) -> ErasureRequest | None:
    return ErasureRequest.objects.filter(
        subject_kind=SubjectKind.PARTNER,
        subject_id=partner_id,
        status=ErasureRequest.Status.REQUESTED,
    ).first()


def subject_id_by_email(*, kind: str, email: str) -> int | None:
    """The partner (by their login) or customer with this e-mail address."""
    from orders.models import Customer
    from partners.models import Partner, normalize_email

    email = normalize_email(email)
    if kind == SubjectKind.PARTNER:
        return Partner.objects.filter(user__email=email).values_list("pk", flat=True).first()
    return Customer.objects.filter(email=email).values_list("pk", flat=True).first()
