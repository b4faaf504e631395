"""The partner's privacy page (export, erasure request) and the download of exports."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from partners.models import Partner

from . import selectors, services
from .forms import PasswordConfirmForm
from .models import ExportJob, SubjectKind


def partner_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        partner = Partner.objects.filter(user=request.user).first()
        if partner is None or partner.status == Partner.Status.TERMINATED:
            return render(request, "dashboard/no_partner.html", {"partner": partner}, status=403)
        request.partner = partner
        return view(request, partner, *args, **kwargs)

    return wrapper


@require_http_methods(["GET", "POST"])
@partner_required
def overview(request, partner):
    form = PasswordConfirmForm()
    if request.method == "POST":
        form = PasswordConfirmForm(request.POST)
        if form.is_valid():
            try:
                services.erasure_request_create(
                    partner=partner, password=form.cleaned_data["password"]
                )
            except ValidationError as error:
                form.add_error("password", error.message_dict.get("password", error.messages))
            else:
                messages.success(
                    request,
                    _(
                        "Your request has been sent. An administrator checks it and then erases your data."
                    ),
                )
                return redirect("privacy:overview")
    jobs = list(selectors.export_jobs_of(kind=SubjectKind.PARTNER, subject_id=partner.pk))
    now = timezone.now()
    for job in jobs:
        job.link = (
            selectors.export_download_token(job=job)
            if job.status == ExportJob.Status.DONE and job.file and job.expires_at > now
            else None
        )
    return render(
        request,
        "privacy/overview.html",
        {
            "partner": partner,
            "active_tab": "privacy",
            "jobs": jobs,
            "working": any(
                j.status in (ExportJob.Status.PENDING, ExportJob.Status.RUNNING) for j in jobs
            ),
            "erasure_request": selectors.erasure_request_open(partner_id=partner.pk),
            "form": form,
        },
    )


@require_POST
@partner_required
def export_start(request, partner):
    try:
        services.export_job_create(
            subject_kind=SubjectKind.PARTNER, subject_id=partner.pk, requested_by=request.user
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("Your export is being prepared. This page shows when it is ready.")
        )
    return redirect("privacy:overview")


@require_GET
def export_download(request, token):
    """The signed link, for the person it is about or an admin; 404 when forged,
    expired or not theirs (nobody learns that an export exists)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    job = selectors.export_job_from_token(token)
    if job is None or job.status != ExportJob.Status.DONE or not job.file:
        raise Http404
    if job.expires_at is None or job.expires_at <= timezone.now():
        raise Http404
    is_subject = (
        job.subject_kind == SubjectKind.PARTNER
        and Partner.objects.filter(pk=job.subject_id, user=request.user).exists()
    )
    if not (is_subject or request.user.has_perm("privacy.view_exportjob")):
        raise Http404
    return FileResponse(
        job.file.open("rb"),
        as_attachment=True,
        filename=f"personal-data-{job.pk}.zip",
        content_type="application/zip",
    )
