"""Session stores of the site (settings.SESSION_ENGINE).

Django's own database stores with the costs a landing page visit paid removed,
and nothing else changed (same table, same signed format, same salt, so existing
sessions stay valid when switching between them):

- A new session is one INSERT. Django first asks the database whether a random
  key is taken (a query) and then saves through the ORM in a transaction; here
  the key comes from the OS in one call (128 bits) and a clash, which does not
  happen in practice, is still caught by the primary key and retried by create().
- `db` reads a session with one SELECT of the data column instead of an ORM
  query compiled on every request, and checks the signature of a given stored
  text once per process (decoded_memo): the same text, byte for byte, decodes to
  the same data, so an unchanged session costs a json.loads instead of an HMAC,
  base64 and zlib.

`db` is the store without a shared cache (the embedded mode, or several
processes without Redis). `cached_db` reads from the cache and writes through
to the database; use it only with a cache all processes share (Redis): with a
per-process cache a worker would serve a session that another worker has
changed since (a cart item lost), so settings choose it only when REDIS_URL is set.
"""

import json
import secrets
from functools import lru_cache

from django.contrib.sessions.backends.base import CreateError
from django.db import IntegrityError, connections, router, transaction


def new_session_key() -> str:
    """32 lowercase hex characters (128 random bits): within Django's
    VALID_KEY_CHARS, as long as Django's own keys."""
    return secrets.token_hex(16)


@lru_cache(maxsize=16)
def session_sql(model, alias: str) -> tuple[str, str]:
    """(SELECT of a live session's data by key, INSERT of a new row) for `model`."""
    opts = model._meta
    qn = connections[alias].ops.quote_name
    table = qn(opts.db_table)
    key, data, expire = (
        qn(opts.get_field(name).column) for name in ("session_key", "session_data", "expire_date")
    )
    return (
        f"SELECT {data} FROM {table} WHERE {key} = %s AND {expire} > %s",  # noqa: S608 - names from the model
        f"INSERT INTO {table} ({key}, {data}, {expire}) VALUES (%s, %s, %s)",  # noqa: S608
    )


def session_row_insert(store) -> None:
    """Insert `store`'s session as a new row; CreateError when the key is taken."""
    using = router.db_for_write(store.model)
    connection = connections[using]
    params = [
        store.session_key,
        store.encode(store._get_session(no_load=True)),
        connection.ops.adapt_datetimefield_value(store.get_expiry_date()),
    ]
    sql = session_sql(store.model, using)[1]
    try:
        if connection.in_atomic_block:
            # Inside a transaction a failed INSERT must not break it: savepoint.
            with transaction.atomic(using=using), connection.cursor() as cursor:
                cursor.execute(sql, params)
        else:
            # Autocommit: a single statement is its own transaction.
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
    except IntegrityError as exc:
        raise CreateError from exc


class DecodedMemo:
    """(salt, stored session text) -> the decoded data as JSON text, for texts
    whose signature was checked. Bounded: emptied when full."""

    def __init__(self, size: int = 2000):
        self.size = size
        self._texts: dict[tuple[str, str], str] = {}

    def get(self, salt: str, session_data: str) -> dict | None:
        text = self._texts.get((salt, session_data))
        return None if text is None else json.loads(text)

    def remember(self, salt: str, session_data: str, data: dict) -> None:
        if len(self._texts) >= self.size:
            self._texts.clear()
        self._texts[(salt, session_data)] = json.dumps(data)

    def clear(self) -> None:
        self._texts.clear()


decoded_memo = DecodedMemo()
