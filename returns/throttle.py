"""Limits of the withdrawal form per client (IP address) and per e-mail address,
counted in Django's cache (Redis in production): the form sends an e-mail to
whatever address is typed, so it must not become a mail cannon. Generous on
purpose (a customer with many orders withdraws from each), and a cache that is
down limits nothing: nobody is kept from withdrawing because Redis is."""

import hashlib

from django.conf import settings

from orders.throttle import attempt_within

# (declarations, seconds); override as WITHDRAWAL_RATE_LIMIT_PER_CLIENT / _PER_EMAIL.
PER_CLIENT = (20, 60 * 60)
PER_EMAIL = (10, 60 * 60)


def withdrawal_allowed(*, client_ip: str, email: str) -> bool:
    """One declaration from this client for this e-mail: may it go ahead?"""
    per_client = getattr(settings, "WITHDRAWAL_RATE_LIMIT_PER_CLIENT", PER_CLIENT)
    per_email = getattr(settings, "WITHDRAWAL_RATE_LIMIT_PER_EMAIL", PER_EMAIL)
    email_key = hashlib.sha256((email or "").strip().lower().encode()).hexdigest()[:32]
    client_ok = attempt_within(f"returns:rl:client:{client_ip}", *per_client)
    email_ok = attempt_within(f"returns:rl:email:{email_key}", *per_email)
    return client_ok and email_ok
