"""Requests and evidence about personal data. No row here holds a name, an
e-mail address or any other personal data: subjects are named by kind and id."""

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.db import models
from django.utils.functional import LazyObject
from django.utils.translation import gettext_lazy as _


class SubjectKind(models.TextChoices):
    PARTNER = "partner", _("partner")
    CUSTOMER = "customer", _("customer")


class PrivateStorage(LazyObject):
    """Exports live outside MEDIA_ROOT (never served by the web server); only
    privacy.views.export_download hands them out, to the signed-in subject or staff.
    In production with an S3-compatible store: its private prefix (STORAGES["private"]),
    so the worker that writes an export and the web process that hands it out need
    not share a disk."""

    def _setup(self):
        if "private" in settings.STORAGES:
            self._wrapped = storages["private"]
            return
        self._wrapped = FileSystemStorage(
            location=getattr(settings, "PRIVATE_MEDIA_ROOT", settings.BASE_DIR / "private_media")
        )


private_storage = PrivateStorage()


def _private_storage():
    return private_storage


class ErasureRequest(models.Model):
    """A data subject's request to be erased (Art. 17 GDPR): asked by the
    partner (password confirmed) or entered by an admin; an admin approves,
    which runs the erasure."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("waiting for approval")
        EXECUTED = "executed", _("executed")
        REJECTED = "rejected", _("rejected")

    subject_kind = models.CharField(_("subject"), max_length=10, choices=SubjectKind.choices)
    subject_id = models.PositiveBigIntegerField(_("subject id"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.REQUESTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    password_confirmed = models.BooleanField(_("confirmed with password"), default=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    executed_at = models.DateTimeField(_("executed at"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("erasure request")
        verbose_name_plural = _("erasure requests")
        permissions = [
            ("approve_erasurerequest", _("Can approve erasure requests (erases the person)"))
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["subject_kind", "subject_id"],
                condition=models.Q(status="requested"),
                name="erasure_request_open_once",
            )
        ]

    def __str__(self):
        return f"{self.get_subject_kind_display()} #{self.subject_id}"


class ErasureLog(models.Model):
    """One executed erasure, without personal data: what `manage.py
    replay_erasures` re-applies after a backup has been restored."""

    subject_kind = models.CharField(_("subject"), max_length=10, choices=SubjectKind.choices)
    subject_id = models.PositiveBigIntegerField(_("subject id"))
    executed_at = models.DateTimeField(_("executed at"))
    scrubbed = models.JSONField(_("scrubbed"), default=list, blank=True)
    restricted = models.JSONField(_("restricted until retention ends"), default=list, blank=True)
    request = models.ForeignKey(
        ErasureRequest,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("request"),
    )

    class Meta:
        ordering = ["executed_at", "pk"]
        verbose_name = _("erasure log entry")
        verbose_name_plural = _("erasure log")

    def __str__(self):
        return f"{self.subject_kind} #{self.subject_id} {self.executed_at:%Y-%m-%d}"


class Restriction(models.Model):
    """A row that retention law keeps after an erasure (Art. 18: processing
    restricted, admins only) and that privacy.tasks.scrub_expired_retention
    scrubs once `retain_until` has passed."""

    model_label = models.CharField(_("kind of record"), max_length=100)
    object_id = models.PositiveBigIntegerField(_("record id"))
    subject_kind = models.CharField(_("subject"), max_length=10, choices=SubjectKind.choices)
    subject_id = models.PositiveBigIntegerField(_("subject id"))
    retain_until = models.DateField(_("retained until"))
    scrubbed_at = models.DateTimeField(_("scrubbed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["retain_until", "pk"]
        verbose_name = _("restricted record")
        verbose_name_plural = _("restricted records")
        constraints = [
            models.UniqueConstraint(
                fields=["model_label", "object_id", "subject_kind", "subject_id"],
                name="restriction_once",
            )
        ]

    def __str__(self):
        return f"{self.model_label} #{self.object_id} → {self.retain_until}"


class ExportJob(models.Model):
    """A data export (Art. 15/20): built by a Celery task, downloaded through a
    signed link that expires."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        RUNNING = "running", _("being built")
        DONE = "done", _("ready")
        FAILED = "failed", _("failed")

    subject_kind = models.CharField(_("subject"), max_length=10, choices=SubjectKind.choices)
    subject_id = models.PositiveBigIntegerField(_("subject id"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    file = models.FileField(_("file"), storage=_private_storage, upload_to="exports/", blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("data export")
        verbose_name_plural = _("data exports")

    def __str__(self):
        return f"{self.subject_kind} #{self.subject_id} ({self.status})"


class ConsentRecord(models.Model):
    """Evidence of a visitor's answer to the cookie consent (Art. 7 (1) GDPR):
    the choice, when, and which version of the text; nothing that identifies them.
    A partner's acceptance of the terms is kept on the partner (terms_accepted_at,
    terms_version) and survives an erasure."""

    class Choice(models.TextChoices):
        ACCEPTED = "accepted", _("allowed")
        DECLINED = "declined", _("declined")

    choice = models.CharField(_("choice"), max_length=8, choices=Choice.choices)
    text_version = models.CharField(_("version of the text"), max_length=20)
    answered_at = models.DateTimeField(_("answered at"), auto_now_add=True)

    class Meta:
        ordering = ["-answered_at", "-pk"]
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")

    def __str__(self):
        return f"{self.choice} ({self.text_version}, {self.answered_at:%Y-%m-%d %H:%M})"
