"""Keys of the company's external shops: created (only the hash is stored),
revoked.
"""

import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import CompanyApiKey

API_KEY_PREFIX = "mlmk_"


def company_api_key_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def company_api_key_create(
    *, name: str, source: str, scopes: list[str], created_by=None
) -> tuple[CompanyApiKey, str]:
    """A new key; returns it and its secret, which is shown once and never stored."""
    unknown = set(scopes) - set(CompanyApiKey.Scope.values)
    if unknown or not scopes:
        raise ValidationError({"scopes": _("Please choose at least one valid scope.")})
    if not (name or "").strip():
        raise ValidationError({"name": _("Please give the key a name.")})
    raw = API_KEY_PREFIX + secrets.token_urlsafe(32)
    key = CompanyApiKey.objects.create(
        name=name.strip()[:100],
        source=source,
        prefix=raw[: len(API_KEY_PREFIX) + 6],
        key_hash=company_api_key_hash(raw),
        scopes=sorted(set(scopes)),
        created_by=created_by,
    )
    return key, raw


def company_api_key_revoke(*, key: CompanyApiKey) -> CompanyApiKey:
    """Revoke a key at once (idempotent)."""
    CompanyApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    key.refresh_from_db(fields=["revoked_at"])
    return key
