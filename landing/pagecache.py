"""The public pages (a partner's landing page, the shop) as one copy for everyone.

The HTML of a public page depends only on the page (its path and the partner it
is scoped to) and the language, never on the visitor: it carries no session, no
form token, no cart count and no banner, and is sent with
`Cache-Control: public, max-age=LANDING_PUBLIC_MAX_AGE` and `Vary: Accept-Language`
(by LocaleMiddleware), so a reverse proxy or CDN can serve an influencer's spike.
The per-visitor bits come from one small request after load (views.visitor).
Rendering a public page must not touch request.session, request.user or the
CSRF token: Django would add `Vary: Cookie` and create sessions.

Behind that, Django's cache framework keeps the rendered bytes in two tiers:

- "landing_local" (local memory of the process) for LANDING_LOCAL_SECONDS, so a
  view costs no round trip at all;
- "default" (Redis in production) for LANDING_CACHE_SECONDS, with the versions
  the page was rendered under. landing_cache_invalidate() bumps a version (one
  partner's, or the catalogue's for every page) and empties the local tier of
  its process; other processes' local copies expire within seconds.

With Redis gone the shared tier is a miss (django-redis IGNORE_EXCEPTIONS) and
pages are rendered from the database.
"""

import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse
from django.utils.cache import patch_cache_control

from .services import GLOBAL_VERSION_KEY, partner_version_key


def local_tier():
    return caches["landing_local"]


def page_key(*parts) -> str:
    return "landing:page:" + ":".join(str(p) for p in parts)


def _versions(shared, keys: list[str], found: dict) -> tuple:
    missing = [k for k in keys if k not in found]
    if missing:
        # Start at a new value rather than 0, so pages stored before the cache was
        # emptied are not taken for current ones.
        for key in missing:
            shared.add(key, time.time_ns(), None)
        found = {**found, **shared.get_many(missing)}
    return tuple(found.get(k) for k in keys)


def page_bytes(*, key: str, partner_id: int | None, render: Callable[[], str]) -> bytes:
    """The page under `key` from the shared tier if rendered under the current
    versions, else render() now and keep it (shared and local tiers)."""
    shared = caches["default"]
    version_keys = [GLOBAL_VERSION_KEY] + (
        [partner_version_key(partner_id)] if partner_id is not None else []
    )
    found = shared.get_many([key, *version_keys])
    versions = _versions(shared, version_keys, found)
    entry = found.get(key)
    if (
        isinstance(entry, tuple)
        and len(entry) == 2
        and entry[0] == versions
        and None not in versions
    ):
        content = entry[1]
    else:
        content = render().encode()
        shared.set(key, (versions, content), settings.LANDING_CACHE_SECONDS)
    local_tier().set(key, content, settings.LANDING_LOCAL_SECONDS)
    return content


def public_response(content: bytes) -> HttpResponse:
    """The same bytes for every visitor, cacheable by anyone for a short while."""
    response = HttpResponse(content)
    patch_cache_control(response, public=True, max_age=settings.LANDING_PUBLIC_MAX_AGE)
    return response
