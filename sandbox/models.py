"""A plan sandbox run (commissions.md section 7): a draft plan file computed
over closed periods without changing anything stored. The run row is the only
thing a sandbox run ever writes."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SandboxRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    plan = models.JSONField(_("draft plan"))
    periods = models.JSONField(
        _("periods"), default=list, help_text=_("Labels YYYY-MM of the closed periods.")
    )
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    message = models.CharField(_("message"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    results = models.JSONField(_("results"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("plan sandbox run")
        verbose_name_plural = _("plan sandbox runs")
        default_permissions = ("view", "delete")
        permissions = [
            ("run_sandbox", _("Can run a draft plan over closed periods in the plan sandbox")),
            ("load_plan", _("Can load a sandbox draft as the plan of the open periods")),
        ]

    def __str__(self):
        return _("Sandbox run %(id)s") % {"id": self.pk}

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)
