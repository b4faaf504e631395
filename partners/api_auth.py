"""Personal API tokens: `Authorization: Token <token>`; only a hash is stored."""

import hashlib

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from .models import ApiToken


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class PartnerTokenAuthentication(authentication.TokenAuthentication):
    keyword = "Token"

    def authenticate_credentials(self, key):
        token = (
            ApiToken.objects.select_related("partner__user")
            .filter(token_hash=token_hash(key), revoked_at__isnull=True)
            .first()
        )
        if token is None or not token.partner.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        return (token.partner.user, token)
