"""Reads of the plan sandbox for the admin."""

from django.db.models import QuerySet

from partners.models import Partner
from qualification.models import Period


def sandbox_closed_periods() -> QuerySet[Period]:
    """The periods a sandbox can run: the closed ones, newest first."""
    return Period.objects.filter(status=Period.Status.CLOSED).order_by("-start")


def sandbox_partner_names(*, partner_ids) -> dict[int, str]:
    """Today's names of the partners a result lists (the run keeps only ids)."""
    return {
        p.pk: p.full_name
        for p in Partner.objects.filter(pk__in=partner_ids).only("first_name", "last_name")
    }
