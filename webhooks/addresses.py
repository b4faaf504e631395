"""Which URLs an endpoint may have (SSRF): only public addresses.

An endpoint's host is resolved and every address it resolves to must be a public
unicast one: private (10/8, 172.16/12, 192.168/16, fc00::/7), loopback,
link-local (169.254/16, the cloud metadata service; fe80::/10), multicast,
shared (100.64/10), unspecified and reserved ranges are refused. The check runs
when the endpoint is saved and again before every attempt, since DNS can change.
"""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def address_is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified)


def host_addresses(host: str, port: int) -> list[str]:
    """Every address the host resolves to (a literal address resolves to itself)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({info[4][0] for info in infos})


def endpoint_url_check(url: str) -> list[str]:
    """Raise ValidationError unless the URL may receive webhooks. Returns the
    approved addresses to connect to (empty when private addresses are allowed
    for development: then the name is resolved as usual)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ValidationError(_("This is not a valid URL.")) from exc
    allowed_schemes = ("https", "http") if settings.WEBHOOKS_ALLOW_HTTP else ("https",)
    if parts.scheme not in allowed_schemes:
        raise ValidationError(_("Webhook URLs must start with https://."))
    host = parts.hostname
    if not host:
        raise ValidationError(_("This is not a valid URL."))
    if parts.username or parts.password:
        raise ValidationError(_("Webhook URLs must not contain a user name or password."))
    if settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES:
        return []
    try:
        addresses = host_addresses(host, port or (443 if parts.scheme == "https" else 80))
    except (OSError, UnicodeError) as exc:
        raise ValidationError(
            _("The host %(host)s could not be resolved.") % {"host": host}
        ) from exc
    refused = [a for a in addresses if not address_is_public(a)]
    if refused or not addresses:
        raise ValidationError(
            _(
                "The host %(host)s resolves to a private, loopback or otherwise "
                "non-public address (%(addresses)s); webhooks are only sent to public addresses."
            )
            % {"host": host, "addresses": ", ".join(refused)}
        )
    return addresses
