"""Reads of the notifications app: the partner's list, the unread count, the
preferences (stored choice or the kind's default)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet

from partners.models import Partner

from .kinds import KINDS, Kind
from .models import Notification, NotificationPreference, NotificationSettings


def notifications_for(*, partner: Partner) -> QuerySet[Notification]:
    """What the dashboard lists: newest first."""
    return Notification.objects.filter(partner=partner, in_app=True).order_by("-occurred_at", "-pk")


def unread_count(*, partner_id: int) -> int:
    """The badge: one COUNT over the partner's index range."""
    return Notification.objects.filter(
        partner_id=partner_id, in_app=True, read_at__isnull=True
    ).count()


@dataclass(frozen=True)
class Choice:
    kind: Kind
    in_app: bool
    email: bool
    digest: bool


def default_choice(kind: Kind) -> Choice:
    return Choice(kind=kind, in_app=True, email=kind.email, digest=kind.digest)


def preferences_for(*, partner: Partner) -> list[Choice]:
    """Every kind with the partner's choice (their row, else the defaults). One query."""
    stored = {pref.kind: pref for pref in NotificationPreference.objects.filter(partner=partner)}
    result = []
    for key, kind in KINDS.items():
        pref = stored.get(key)
        if pref is None:
            result.append(default_choice(kind))
        else:
            result.append(
                Choice(kind=kind, in_app=pref.in_app, email=pref.email, digest=pref.digest)
            )
    return result


def choices_by_partner(*, kind: Kind, partner_ids) -> dict[int, Choice]:
    """The choices of many partners for one kind (those with a stored row). One query."""
    rows = NotificationPreference.objects.filter(kind=kind.key, partner_id__in=partner_ids)
    return {
        row.partner_id: Choice(kind=kind, in_app=row.in_app, email=row.email, digest=row.digest)
        for row in rows
    }


def email_language(*, partner: Partner) -> str:
    row = NotificationSettings.objects.filter(partner=partner).first()
    return row.language if row else settings.LANGUAGE_CODE
