"""What every write of the app shares: the payouts log (one row per thing
that happened to money, who did it and why) and the permission check.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from ..models import PayoutLog


def payout_log(*, action: str, actor=None, partner=None, message: str = "", **links) -> PayoutLog:
    return PayoutLog.objects.create(
        action=action, actor=actor, partner=partner, message=message, **links
    )


def _require_perm(actor, perm: str, message: str) -> None:
    if actor is None or not actor.has_perm(perm):
        raise PermissionDenied(message)
