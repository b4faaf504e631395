"""Reads on partners and the genealogy, each one indexed query."""

from django.db.models import F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse

from .genealogy import PathHead, descendants_q, upline_ids
from .links import absolute_url
from .models import Partner, TeamSizeChange


def partner_get_by_slug(*, slug: str, active_only: bool = True) -> Partner | None:
    if "\x00" in (slug or ""):
        return None  # no slug has one, and PostgreSQL refuses NUL in a query
    qs = Partner.objects.select_related("user")
    if active_only:
        qs = qs.filter(status=Partner.Status.ACTIVE)
    return qs.filter(slug=(slug or "").strip().lower()).first()


def partner_get_by_code(*, code: str, active_only: bool = True) -> Partner | None:
    """The partner a code typed at checkout names: their vanity code, or their
    landing page address (which works as a code too). Case and spaces ignored."""
    code = (code or "").strip().lower()
    if not code or "\x00" in code or len(code) > 40:
        return None
    qs = Partner.objects.select_related("user")
    if active_only:
        qs = qs.filter(status=Partner.Status.ACTIVE)
    # Codes and slugs never name two partners (partners.codes), so one row at most.
    return qs.filter(Q(code=code) | Q(slug=code)).first()


def partner_landing_url(*, partner: Partner, request=None) -> str:
    """The partner's public landing page."""
    return absolute_url(f"/{partner.slug}/", request)


def partner_invite_url(*, partner: Partner, request=None) -> str:
    """The link that signs new partners up under this partner."""
    return absolute_url(reverse("partners:join", args=[partner.slug]), request)


def partner_upline(*, partner: Partner) -> list[Partner]:
    """Ancestors, root first, in one primary-key query."""
    ids = upline_ids(partner.path)
    if not ids:
        return []
    # filter(pk__in) rather than in_bulk(): in_bulk splits into 999-id batches on SQLite.
    by_id = {p.pk: p for p in Partner.objects.filter(pk__in=ids)}
    return [by_id[i] for i in ids if i in by_id]


def partner_descendants(
    *,
    partner: Partner,
    max_depth: int | None = None,
    queryset: QuerySet[Partner] | None = None,
) -> QuerySet[Partner]:
    """The whole team below a partner (the partner excluded), one index range.
    `queryset` narrows a given queryset instead (e.g. the admin's changelist)."""
    base = Partner.objects.all() if queryset is None else queryset
    qs = base.alias(path_head=PathHead("path")).filter(descendants_q(partner.descendants_prefix))
    if max_depth is not None:
        qs = qs.filter(depth__lte=partner.depth + max_depth)
    return qs


def partner_team_size(*, partner: Partner) -> int:
    """The exact number of partners below `partner` now: Partner.team_size
    plus the changes the task has not added yet (a second after a sign-up).
    One query."""
    pending = (
        TeamSizeChange.objects.filter(partner=OuterRef("pk"))
        .order_by()
        .values("partner")
        .annotate(n=Sum("delta"))
        .values("n")
    )
    return (
        Partner.objects.filter(pk=partner.pk)
        .annotate(exact=F("team_size") + Coalesce(Subquery(pending), 0))
        .values_list("exact", flat=True)
        .get()
    )
