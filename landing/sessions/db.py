"""Database sessions: one SELECT to read, one INSERT to create (see __init__)."""

from django.contrib.sessions.backends import db
from django.core.signing import JSONSerializer
from django.db import connections, router
from django.utils import timezone

from . import decoded_memo, new_session_key, session_row_insert, session_sql


class SessionStore(db.SessionStore):
    def _get_new_session_key(self) -> str:
        return new_session_key()

    def load(self) -> dict:
        using = router.db_for_read(self.model)
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(
                session_sql(self.model, using)[0],
                [self.session_key, connection.ops.adapt_datetimefield_value(timezone.now())],
            )
            row = cursor.fetchone()
        if row is None:
            self._session_key = None  # unknown or expired: a new key when saved
            return {}
        return self.decode(row[0])

    def decode(self, session_data: str) -> dict:
        if self.serializer is not JSONSerializer:
            return super().decode(session_data)
        data = decoded_memo.get(self.key_salt, session_data)
        if data is None:
            data = super().decode(session_data)  # {} when tampered with (logged)
            if data:
                decoded_memo.remember(self.key_salt, session_data, data)
        return data

    def save(self, must_create: bool = False) -> None:
        if self.session_key is None:
            return self.create()
        if must_create:
            return session_row_insert(self)
        return super().save(must_create=False)
