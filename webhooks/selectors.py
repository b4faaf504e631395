"""Reads of the outgoing webhooks."""

from django.db.models import Q
from django.utils import timezone

from .models import Delivery


def webhook_deliveries_due(*, limit: int = 500) -> list[int]:
    """Ids of deliveries whose attempt is due and that no worker holds."""
    now = timezone.now()
    return list(
        Delivery.objects.filter(
            status=Delivery.Status.PENDING, next_attempt_at__lte=now, endpoint__is_active=True
        )
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
