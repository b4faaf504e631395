"""Cached database sessions with a one-INSERT create (see __init__). Only with a
cache every process shares (Redis)."""

import logging

from django.contrib.sessions.backends import cached_db

from . import new_session_key, session_row_insert

logger = logging.getLogger("django.contrib.sessions")


class SessionStore(cached_db.SessionStore):
    def _get_new_session_key(self) -> str:
        return new_session_key()

    def save(self, must_create: bool = False) -> None:
        if self.session_key is None:
            return self.create()  # which saves once, below, and caches once
        if not must_create:
            return super().save(must_create=False)
        session_row_insert(self)
        try:
            self._cache.set(self.cache_key, self._session, self.get_expiry_age())
        except Exception:
            logger.exception("Error saving to cache (%s)", self._cache)
