"""Failed sign-ins (ACCOUNT_RATE_LIMITS in mlm/settings.py), counted so that a
stranger cannot lock a partner out:

* "login_failed" counts per (client, e-mail): five wrong passwords from one
  client for one address stop that client for that address (and ten a minute
  stop a client altogether). Another client, the owner's, is not affected.
* "login_failed_email" counts per e-mail from all clients together and only
  slows guessing down (a short window: a guesser gets a few tries a minute,
  the owner waits a minute at most, never longer).
* A successful password reset starts every count of the address afresh: the
  (client, e-mail) counts by a new generation of their key, the e-mail's by
  clearing it. A successful sign-in does not count as a failure.
"""

from __future__ import annotations

import contextlib
import hashlib

from allauth.core import ratelimit
from django.core.cache import cache

GENERATION_SECONDS = 24 * 3600


def _email_hash(email: str) -> str:
    return hashlib.sha256((email or "").strip().lower().encode()).hexdigest()[:32]


def _generation(email: str) -> int:
    try:
        return int(cache.get(f"partners:login-gen:{_email_hash(email)}") or 0)
    except Exception:  # noqa: BLE001 - a cache that is down counts from generation 0
        return 0


def client_email_key(*, email: str, client: str) -> str:
    """The key of the (client, e-mail) count; a password reset moves it on."""
    return f"{_email_hash(email)}:{client}:{_generation(email)}"


def email_key(*, email: str) -> str:
    return _email_hash(email)


def login_counts_reset(request, *, emails: list[str]) -> None:
    """After a successful password reset: the address's failed sign-ins are forgotten."""
    for email in {e.strip().lower() for e in emails if e}:
        key = f"partners:login-gen:{_email_hash(email)}"
        with contextlib.suppress(Exception):  # a cache that is down keeps no counts anyway
            cache.set(key, _generation(email) + 1, GENERATION_SECONDS)
        ratelimit.clear(request, action="login_failed_email", key=email_key(email=email))
