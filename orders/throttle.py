"""Rate limits of the checkout: orders per client (IP address) and per customer
e-mail, counted in Django's cache (Redis in production). A cache that is down
limits nothing: a customer is never turned away because Redis is."""

import hashlib
import logging

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

# (orders, seconds); override in settings as ORDER_RATE_LIMIT_PER_CLIENT / _PER_EMAIL.
PER_CLIENT = (10, 10 * 60)
PER_EMAIL = (5, 60 * 60)


def attempt_within(key: str, limit: int, window: int) -> bool:
    """Count one attempt in a fixed window; False once the limit is passed."""
    try:
        cache.add(key, 0, window)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, window)
            count = 1
    except Exception:  # noqa: BLE001 - cache down: let the attempt through
        logger.warning("Rate limit %s not checked (cache unavailable)", key, exc_info=True)
        return True
    # django-redis with IGNORE_EXCEPTIONS answers None instead of raising when Redis is down.
    return count is None or count <= limit


def checkout_allowed(*, client_ip: str, email: str) -> bool:
    """One order attempt from this client for this e-mail: may it go ahead?"""
    per_client = getattr(settings, "ORDER_RATE_LIMIT_PER_CLIENT", PER_CLIENT)
    per_email = getattr(settings, "ORDER_RATE_LIMIT_PER_EMAIL", PER_EMAIL)
    email_key = hashlib.sha256((email or "").strip().lower().encode()).hexdigest()[:32]
    client_ok = attempt_within(f"orders:rl:client:{client_ip}", *per_client)
    email_ok = attempt_within(f"orders:rl:email:{email_key}", *per_email)
    return client_ok and email_ok


# (requests, seconds) of the subscription cancellation page (§312k BGB); override
# as CANCEL_RATE_LIMIT_PER_CLIENT / _PER_EMAIL.
CANCEL_PER_CLIENT = (10, 10 * 60)
CANCEL_PER_EMAIL = (3, 60 * 60)


def cancel_page_allowed(*, client_ip: str, email: str) -> bool:
    """One use of the cancellation page from this client for this e-mail: may
    it send mail to an address we do not know? (Counted per client and per address.)"""
    per_client = getattr(settings, "CANCEL_RATE_LIMIT_PER_CLIENT", CANCEL_PER_CLIENT)
    per_email = getattr(settings, "CANCEL_RATE_LIMIT_PER_EMAIL", CANCEL_PER_EMAIL)
    email_key = hashlib.sha256((email or "").strip().lower().encode()).hexdigest()[:32]
    client_ok = attempt_within(f"subscriptions:cancel:client:{client_ip}", *per_client)
    email_ok = attempt_within(f"subscriptions:cancel:email:{email_key}", *per_email)
    return client_ok and email_ok
