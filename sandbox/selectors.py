"""Reads of the plan sandbox for the admin."""

from django.db.models import QuerySet

from qualification.models import Period

from .models import SandboxRun


def sandbox_runs() -> QuerySet[SandboxRun]:
    return SandboxRun.objects.select_related("created_by")


def sandbox_closed_periods() -> QuerySet[Period]:
    """The periods a sandbox can run: the closed ones, newest first."""
    return Period.objects.filter(status=Period.Status.CLOSED).order_by("-start")
