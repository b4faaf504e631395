"""The partner's API tokens, active first, newest first."""

from __future__ import annotations

from django.db.models import F, QuerySet

from partners.models import ApiToken, Partner


def partner_api_tokens(*, partner: Partner) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(partner=partner).order_by(
        F("revoked_at").desc(nulls_first=True), "-created_at", "-pk"
    )
