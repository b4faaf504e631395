from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from . import selectors, services
from .forms import SubjectByEmailForm
from .models import ConsentRecord, ErasureLog, ErasureRequest, ExportJob, Restriction


def by_email_view(model_admin, request):
    """Find a person by e-mail address, then export their data or record their
    erasure request (approved in the list of requests)."""
    if not (
        request.user.has_perm("privacy.add_exportjob")
        or request.user.has_perm("privacy.add_erasurerequest")
    ):
        raise PermissionDenied
    # A partner's page links here with the person filled in (?subject_kind=&email=).
    initial = {key: request.GET[key] for key in ("subject_kind", "email") if key in request.GET}
    form = SubjectByEmailForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        kind, email = form.cleaned_data["subject_kind"], form.cleaned_data["email"]
        subject_id = selectors.subject_id_by_email(kind=kind, email=email)
        if subject_id is None:
            form.add_error("email", gettext("Nobody of this kind has this e-mail address."))
        elif "erase" in request.POST:
            if not request.user.has_perm("privacy.add_erasurerequest"):
                raise PermissionDenied
            services.erasure_request_enter(
                subject_kind=kind, subject_id=subject_id, actor=request.user
            )
            model_admin.message_user(
                request, gettext("Erasure request recorded; approve it in this list.")
            )
            return redirect("admin:privacy_erasurerequest_changelist")
        else:
            if not request.user.has_perm("privacy.add_exportjob"):
                raise PermissionDenied
            try:
                services.export_job_create(
                    subject_kind=kind, subject_id=subject_id, requested_by=request.user
                )
            except ValidationError as error:
                model_admin.message_user(request, " ".join(error.messages), messages.ERROR)
                return redirect("admin:privacy_exportjob_changelist")
            model_admin.message_user(
                request,
                gettext("The export is being prepared; its download link appears in this list."),
            )
            return redirect("admin:privacy_exportjob_changelist")
    context = {
        **model_admin.admin_site.each_context(request),
        "title": gettext("Find a person by e-mail address"),
        "form": form,
        "opts": model_admin.model._meta,
    }
    return TemplateResponse(request, "privacy/admin_by_email.html", context)


class ByEmailMixin:
    def get_urls(self):
        name = f"privacy_{self.model._meta.model_name}_by_email"
        return [
            path(
                "by-email/", self.admin_site.admin_view(lambda r: by_email_view(self, r)), name=name
            ),
            *super().get_urls(),
        ]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ErasureRequest)
class ErasureRequestAdmin(ByEmailMixin, admin.ModelAdmin):
    list_display = (
        "__str__",
        "status",
        "requested_at",
        "password_confirmed",
        "approved_by",
        "executed_at",
    )
    list_filter = ("status", "subject_kind")
    fields = (
        "subject_kind",
        "subject_id",
        "status",
        "requested_by",
        "requested_at",
        "password_confirmed",
        "approved_by",
        "approved_at",
        "executed_at",
    )
    readonly_fields = (
        "status",
        "requested_by",
        "requested_at",
        "password_confirmed",
        "approved_by",
        "approved_at",
        "executed_at",
    )
    actions = ["approve", "reject"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return ("subject_kind", "subject_id", *self.readonly_fields)
        return self.readonly_fields

    def has_add_permission(self, request):
        return False  # entered by e-mail address (by-email/) or by the partner

    def has_change_permission(self, request, obj=None):
        return False  # approved or rejected by the actions

    def has_approve_permission(self, request):
        return request.user.has_perm("privacy.approve_erasurerequest")

    @admin.action(description=_("Approve: erase the person now"), permissions=["approve"])
    def approve(self, request, queryset):
        done = 0
        for erasure_request in queryset.order_by("pk"):
            try:
                services.erasure_request_approve(request=erasure_request, actor=request.user)
                done += 1
            except ValidationError as error:
                self.message_user(
                    request, f"{erasure_request}: {'; '.join(error.messages)}", messages.ERROR
                )
        if done:
            self.message_user(
                request,
                ngettext("%(n)d person erased.", "%(n)d people erased.", done) % {"n": done},
                messages.SUCCESS,
            )

    @admin.action(description=_("Reject"), permissions=["approve"])
    def reject(self, request, queryset):
        for erasure_request in queryset.order_by("pk"):
            try:
                services.erasure_request_reject(request=erasure_request, actor=request.user)
            except ValidationError as error:
                self.message_user(request, "; ".join(error.messages), messages.ERROR)


@admin.register(ErasureLog)
class ErasureLogAdmin(ReadOnlyAdmin):
    list_display = ("subject_kind", "subject_id", "executed_at")
    list_filter = ("subject_kind",)


@admin.register(Restriction)
class RestrictionAdmin(ReadOnlyAdmin):
    list_display = (
        "model_label",
        "object_id",
        "subject_kind",
        "subject_id",
        "retain_until",
        "scrubbed_at",
    )
    list_filter = ("model_label", "subject_kind")


@admin.register(ExportJob)
class ExportJobAdmin(ByEmailMixin, ReadOnlyAdmin):
    list_display = (
        "subject_kind",
        "subject_id",
        "status",
        "progress",
        "created_at",
        "expires_at",
        "download",
    )
    exclude = ("file",)

    @admin.display(description=_("download"))
    def download(self, job):
        if job.status != ExportJob.Status.DONE or not job.file or job.expires_at <= timezone.now():
            return "–"
        url = reverse("privacy:export_download", args=[selectors.export_download_token(job=job)])
        return format_html('<a href="{}">{}</a>', url, gettext("Download ZIP"))


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ReadOnlyAdmin):
    list_display = ("choice", "text_version", "answered_at")
    list_filter = ("choice", "text_version")
    date_hierarchy = "answered_at"
