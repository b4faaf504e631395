"""Authentication, scopes and the rate limit of the company's order intake API:
`Authorization: Bearer <key>` with a CompanyApiKey (only its SHA-256 is stored)."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions, throttling

from partners.client_address import request_client_ip

from .models import CompanyApiKey
from .services import company_api_key_hash

# How exactly "last used at" (admin: Company API keys) follows the key's use.
LAST_USED_PRECISION = timedelta(minutes=1)


class CompanyApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                _("Send the key as “Authorization: Bearer <key>”, without spaces in the key.")
            )
        try:
            raw = parts[1].decode()
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked API key.")) from exc
        key = CompanyApiKey.objects.filter(key_hash=company_api_key_hash(raw)).first()
        if key is None or key.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked API key."))
        now = timezone.now()
        if key.last_used_at is None or now - key.last_used_at >= LAST_USED_PRECISION:
            # To the minute: a shop sending orders as fast as they come does not
            # write (and commit) the key's row on every request.
            CompanyApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
            key.last_used_at = now
        return (AnonymousUser(), key)

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class HasScope(permissions.BasePermission):
    """A company API key with the scope the view asks for this method
    (view.required_scopes: {"GET": "orders:read", "POST": "orders:write"})."""

    message = gettext_lazy("This API key lacks the scope needed here.")

    def has_permission(self, request, view) -> bool:
        key = request.auth
        if not isinstance(key, CompanyApiKey):
            return False
        scope = view.required_scopes.get(request.method)
        return scope is not None and scope in key.scopes


class CompanyApiKeyThrottle(throttling.SimpleRateThrottle):
    """Requests per API key; the rate is settings.ORDER_INTAKE_RATE (e.g. "600/min")."""

    scope = "order_intake"

    def get_rate(self):
        return settings.ORDER_INTAKE_RATE

    def get_ident(self, request):
        """DRF's client address (its own reads X-Forwarded-For by NUM_PROXIES): ours."""
        return request_client_ip(request=request)

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, CompanyApiKey):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class CompanyApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = CompanyApiKeyAuthentication
    name = "companyApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A company API key (admin: Orders > Company API keys), "
            "sent as `Authorization: Bearer mlmk_...`.",
        }
