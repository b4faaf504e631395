"""Absolute links of the site: one rule for every copy field, QR code, e-mail
and link preview.

SITE_URL when it is set (production: the public address behind the proxy), else
the address the request came to (a laptop on another port, a phone on the LAN),
else, with no request at hand (a task sending an e-mail), the local server."""

from django.conf import settings


def site_url(request=None) -> str:
    """The site's base address without a trailing slash, e.g. https://shop.example."""
    if settings.SITE_URL:
        return settings.SITE_URL
    if request is not None:
        return f"{request.scheme}://{request.get_host()}"
    return settings.SITE_URL_FALLBACK


def absolute_url(path: str, request=None) -> str:
    """`path` ("/anna/") as an absolute address; absolute ones are returned as they are."""
    if path.startswith(("http://", "https://")):
        return path
    return site_url(request) + path
