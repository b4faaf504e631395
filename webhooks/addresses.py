"""Which URLs an endpoint may have (SSRF): only public addresses.

An endpoint's host is resolved and every address it resolves to must be a public
unicast one: private (10/8, 172.16/12, 192.168/16, fc00::/7), loopback,
link-local (169.254/16, the cloud metadata service; fe80::/10), multicast,
shared (100.64/10), unspecified and reserved ranges are refused, and so is an
IPv6 address that embeds such an IPv4 address (mapped, 6to4, Teredo, NAT64). The check runs
when the endpoint is saved and again before every attempt, since DNS can change.
"""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address leads to: mapped (::ffff:a.b.c.d), 6to4
    (2002::/16), Teredo (2001::/32: server and client) and NAT64 (64:ff9b::/96)."""
    found = []
    if ip.ipv4_mapped is not None:
        found.append(ip.ipv4_mapped)
    if ip.sixtofour is not None:
        found.append(ip.sixtofour)
    if ip.teredo is not None:
        found.extend(ip.teredo)
    if any(ip in network for network in NAT64):
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return found


def _is_public(ip) -> bool:
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified)


def address_is_public(address: str) -> bool:
    """A public unicast address, and so is every IPv4 address it embeds: a 6to4
    or Teredo address around 127.0.0.1 or 169.254.169.254 is refused."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if ip.ipv4_mapped is not None:
            return _is_public(ip.ipv4_mapped)
        if embedded and not all(_is_public(v4) for v4 in embedded):
            return False
    return _is_public(ip)


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
