"""Web Push (browser notifications) through pywebpush: on only when both VAPID
keys are set. The boundary is `pywebpush.webpush`; tests replace it."""

from __future__ import annotations

import json
import logging

from django.conf import settings
from pywebpush import WebPushException, webpush

from .models import PushSubscription

logger = logging.getLogger(__name__)

GONE = (404, 410)  # the browser unsubscribed or the subscription expired


def enabled() -> bool:
    return bool(settings.WEBPUSH_VAPID_PUBLIC_KEY and settings.WEBPUSH_VAPID_PRIVATE_KEY)


def push_send(*, subscription: PushSubscription, title: str, body: str, url: str) -> bool:
    """One message to one browser. False (and the subscription deleted) when
    the push service says it is gone; other failures are logged."""
    try:
        webpush(
            subscription_info={
                "endpoint": subscription.endpoint,
                "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
            },
            data=json.dumps({"title": title, "body": body, "url": url}),
            vapid_private_key=settings.WEBPUSH_VAPID_PRIVATE_KEY,
            vapid_claims={"sub": settings.WEBPUSH_VAPID_SUBJECT},
            ttl=24 * 60 * 60,
            timeout=10,
        )
    except WebPushException as error:
        status = getattr(error.response, "status_code", None)
        if status in GONE:
            subscription.delete()
            return False
        logger.warning("web push to subscription %s failed: %s", subscription.pk, error)
        return False
    return True
