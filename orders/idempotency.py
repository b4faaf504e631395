"""Idempotency-Key for the write endpoints of the order intake API.

The first successful (2xx) answer to a key (per API key) is stored with a
fingerprint of the request (method, path, JSON body); the same key with the
same request gets that answer again (header Idempotent-Replayed: true) and
changes nothing; the same key with another request is refused (422). Error
answers are not stored: they changed nothing, so the request may be corrected
and sent again with the same key. Two concurrent requests with one key meet at
the unique constraint: the second waits for the first and replays its answer.
"""

import functools
import hashlib
import json

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from .models import IdempotencyKey

HEADER = "Idempotency-Key"
MAX_LENGTH = 255


def request_fingerprint(*, method: str, path: str, body) -> str:
    canonical = json.dumps([method, path, body], sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class _NotStored(Exception):
    def __init__(self, response):
        self.response = response


def _replay(row: IdempotencyKey, fingerprint: str) -> Response:
    if row.fingerprint != fingerprint:
        return Response(
            {
                "detail": _(
                    "This Idempotency-Key was already used for a different request. "
                    "Use a new key for a new request."
                )
            },
            status=422,
        )
    return Response(
        row.response_body, status=row.response_status, headers={"Idempotent-Replayed": "true"}
    )


def idempotent(handler):
    """Decorate an APIView method (request.auth is the CompanyApiKey)."""

    @functools.wraps(handler)
    def wrapper(view, request, *args, **kwargs):
        key = (request.headers.get(HEADER) or "").strip()
        if not key or len(key) > MAX_LENGTH:
            return Response(
                {
                    "detail": _(
                        "Please send an Idempotency-Key header (1 to %(n)d characters), "
                        "e.g. a UUID, new for every new request."
                    )
                    % {"n": MAX_LENGTH}
                },
                status=400,
            )
        api_key = request.auth
        fingerprint = request_fingerprint(
            method=request.method, path=request.path, body=request.data
        )
        # The key's row is the first write of the request's transaction: a key
        # used before (or in flight in a concurrent request, which we wait for)
        # meets the unique constraint there, and we answer with its stored reply.
        # A new key - nearly every request - costs this one INSERT, no look-up first.
        created = False
        try:
            with transaction.atomic():
                row = IdempotencyKey.objects.create(
                    api_key=api_key,
                    key=key,
                    fingerprint=fingerprint,
                    response_status=0,
                    response_body={},
                )
                created = True
                response = handler(view, request, *args, **kwargs)
                if not 200 <= response.status_code < 300:
                    raise _NotStored(response)
                row.response_status = response.status_code
                row.response_body = json.loads(JSONRenderer().render(response.data) or b"null")
                row.save(update_fields=["response_status", "response_body"])
                return response
        except _NotStored as refused:
            return refused.response
        except IntegrityError:
            if created:
                raise
        return _replay(IdempotencyKey.objects.get(api_key=api_key, key=key), fingerprint)

    return wrapper
