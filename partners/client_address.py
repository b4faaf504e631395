"""The client's address: the one owner of "who is asking", for every rate limit.

Behind a reverse proxy every request comes from the proxy (REMOTE_ADDR). The
proxy appends the address it saw to X-Forwarded-For; anything to the left of that
came from the client and may be made up. So the header is read only when the
request comes from one of `settings.TRUSTED_PROXIES` (addresses or CIDRs), and
then from the right: the first hop that is not a trusted proxy is the client.
Without trusted proxies (the default) the header is never looked at.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    networks = []
    for entry in entries:
        entry = entry.strip()
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"TRUSTED_PROXIES: {entry!r} is neither an IP address nor a network (CIDR)"
            ) from exc
    return tuple(networks)


def trusted_proxy_networks() -> tuple[IPNetwork, ...]:
    """settings.TRUSTED_PROXIES parsed (a list, or one comma-separated string)."""
    value = getattr(settings, "TRUSTED_PROXIES", ())
    if isinstance(value, str):
        value = value.split(",")
    return _networks(tuple(value))


def _address(value: str) -> IPAddress | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "203.0.113.7:51234"
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _trusted(address: IPAddress, networks: tuple[IPNetwork, ...]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def request_client_ip(*, request: HttpRequest) -> str:
    """The address of the client that sent this request, as rate limits key on it."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    networks = trusted_proxy_networks()
    remote_address = _address(remote)
    if not networks or remote_address is None or not _trusted(remote_address, networks):
        return remote
    hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    client = remote_address
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            # Not an address: a trusted proxy would not have written it, so whoever sent
            # it is the last hop we can vouch for.
            break
        client = address
        if not _trusted(address, networks):
            break
    return str(client)
