"""Whole-page cache for the public pages (landing pages, shop).

The page is rendered once per (page, language, query string, versions) with
markers where per-visitor bits go, and the markers are filled per request:

- the CSRF token (the visitor's own, so add-to-cart and the language switch work),
- the consent banner (only for visitors with a referral who have not answered),
- the cart count in the header.

Signed-in users and requests with pending messages get a fresh render (their
header and messages differ). The session write of the referral and the visit
count happen in the view, before this, for cached and fresh pages alike.

The key holds the versions bumped by landing_cache_invalidate() and a stamp of
the data (partner.updated_at, the products' last change and count), so a change
is seen at once even by processes that did not see the invalidation call.

Each process also keeps the pages it served lately, encoded and cut at the
markers, under the same key (PageMemo): a view then costs no cache fetch of the
page and no encoding, and filling it in is one join.
"""

import hashlib
import os
import re
import threading
import time
from collections import OrderedDict
from functools import lru_cache

from django.conf import settings
from django.contrib.auth import SESSION_KEY as AUTH_SESSION_KEY
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
from django.shortcuts import render
from django.template.loader import get_template, render_to_string
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.html import escape
from django.utils.translation import get_language

from orders.cart import Cart

from orders.referral import consent_banner_referral
from .services import GLOBAL_VERSION_KEY, partner_version_key

CSRF_MARK = "mlmcsrfmarker7f3a9c"
BANNER_MARK = "<!--mlm:consent-banner-->"
CART_MARK = "<!--mlm:cart-count-->"
NEXT_MARK = "mlmnextmarker7f3a9c"
MARKS = {"page_cache_marks": True, "csrf_token": CSRF_MARK}


def signed_in_user_id(request) -> int | None:
    """The signed-in user's id, or None. Looks at request.user (the auth
    backend, a user query) only when the session says someone signed in."""
    if AUTH_SESSION_KEY not in request.session:
        return None
    user = request.user
    return user.pk if user.is_authenticated else None


def _must_render_fresh(request) -> bool:
    if signed_in_user_id(request) is not None:
        return True
    return len(get_messages(request)) > 0


# --- The visitor's CSRF token --------------------------------------------------
# What django.middleware.csrf.get_token() returns (a masked form of the visitor's
# secret, masked anew for every response), with the random characters drawn from
# one os.urandom() call instead of one call per character (that took ~50 us of a
# ~300 us page). A new visitor gets a new secret, which CsrfViewMiddleware sets
# as the cookie on the way out, as with get_token(). Unlike get_token() a valid
# cookie is not sent again just to restart its one-year lifetime: a Set-Cookie on
# every view of a cached page; other pages with forms still renew it.

_N = len(CSRF_ALLOWED_CHARS)
_INDEX = {c: i for i, c in enumerate(CSRF_ALLOWED_CHARS)}
# Random bytes -> allowed characters, uniformly: a byte b below 248 (= 4 * 62)
# becomes CSRF_ALLOWED_CHARS[b % 62], bytes from 248 on are dropped.
_UNBIASED_BELOW = 256 - 256 % _N
_TO_CHARS = bytes(CSRF_ALLOWED_CHARS.encode()[b % _N] for b in range(_UNBIASED_BELOW)).ljust(256)
_DROP = bytes(range(_UNBIASED_BELOW, 256))
# _SHIFTED[i][j] = CSRF_ALLOWED_CHARS[(i + j) % 62]: Django's masking, by table.
_SHIFTED = [CSRF_ALLOWED_CHARS[i:] + CSRF_ALLOWED_CHARS[:i] for i in range(_N)]


def _random_chars(n: int) -> str:
    chars = b""
    while len(chars) < n:
        chars += os.urandom(n + 8).translate(_TO_CHARS, _DROP)
    return chars[:n].decode()


def _mask(secret: str) -> str:
    """django.middleware.csrf._mask_cipher_secret(), as Django's CSRF check unmasks it."""
    mask = _random_chars(CSRF_SECRET_LENGTH)
    index = _INDEX
    return mask + "".join([_SHIFTED[index[s]][index[m]] for s, m in zip(secret, mask, strict=True)])


def csrf_token(request) -> str:
    """The visitor's CSRF token for a form on this response, as get_token(request)."""
    secret = request.META.get("CSRF_COOKIE")
    if secret is None:  # no valid cookie yet: a new secret, set by CsrfViewMiddleware
        secret = _random_chars(CSRF_SECRET_LENGTH)
        request.META["CSRF_COOKIE"] = secret
        request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    return _mask(secret)


def page_cache_key(*, page: str, partner_id: int | None, stamp: str, request) -> str:
    keys = [GLOBAL_VERSION_KEY] + (
        [partner_version_key(partner_id)] if partner_id is not None else []
    )
    versions = cache.get_many(keys)
    if len(versions) < len(keys):
        # Start at a new value rather than 0, so pages remembered before the
        # cache was emptied are not taken for current ones.
        for key in keys:
            if key not in versions:
                cache.add(key, time.time_ns(), None)
        versions = cache.get_many(keys)
    query = request.META.get("QUERY_STRING", "")
    if query:
        query = hashlib.sha1(query.encode(), usedforsecurity=False).hexdigest()[:12]
    version = "-".join(str(versions.get(k, 0)) for k in keys)
    return f"landing:page:{page}:{get_language()}:{query}:{version}:{stamp}"


class PageMemo:
    """Pages this process rendered or fetched from the cache lately, encoded and
    cut at the markers (page_split), under the same key (which holds the versions and the data stamp, so a hit is
    as current as the cache itself). Saves fetching ~16 KiB from the cache
    (a round trip with Redis) and encoding it on every view. Bounded, LRU."""

    def __init__(self, size: int = 256):
        self.size = size
        self._pages: OrderedDict[str, tuple[float, tuple[bytes, ...]]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> tuple[bytes, ...] | None:
        with self._lock:
            hit = self._pages.get(key)
            if hit is None:
                return None
            if hit[0] <= time.monotonic():
                del self._pages[key]
                return None
            self._pages.move_to_end(key)
            return hit[1]

    def put(self, key: str, parts: tuple[bytes, ...], seconds: float) -> None:
        with self._lock:
            self._pages[key] = (time.monotonic() + seconds, parts)
            self._pages.move_to_end(key)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()


page_memo = PageMemo()


@lru_cache(maxsize=512)
def _banner_html(language: str, name: str, days: int) -> bytes:
    with translation.override(language):
        return (
            get_template("landing/_consent_banner.html")
            .render(
                {
                    "consent_banner_referral": {"name": name},
                    "csrf_token": CSRF_MARK,
                    "consent_next": NEXT_MARK,
                    "ATTRIBUTION_WINDOW_DAYS": days,
                }
            )
            .encode()
        )


@lru_cache(maxsize=512)
def _cart_count_html(language: str, count: int) -> bytes:
    with translation.override(language):
        return get_template("orders/_cart_count.html").render({"cart_count": count}).encode()


_CSRF_MARK_B = CSRF_MARK.encode()
_BANNER_MARK_B = BANNER_MARK.encode()
_CART_MARK_B = CART_MARK.encode()
_NEXT_MARK_B = NEXT_MARK.encode()
_MARKS_RE = re.compile(
    b"(" + b"|".join(map(re.escape, (_CSRF_MARK_B, _BANNER_MARK_B, _CART_MARK_B))) + b")"
)


def page_split(html: str) -> tuple[bytes, ...]:
    """The encoded page cut at its markers: text, marker, text, marker, ..., text."""
    return tuple(_MARKS_RE.split(html.encode()))


def render_personal_bits(parts: tuple[bytes, ...], request) -> bytes:
    """The page for this visitor: page_split() parts with the markers filled."""
    token = csrf_token(request).encode()
    bits = {_CSRF_MARK_B: token, _CART_MARK_B: b"", _BANNER_MARK_B: b""}
    language = get_language()
    markers = parts[1::2]
    if _CART_MARK_B in markers:
        count = len(Cart(request.session))
        if count:
            bits[_CART_MARK_B] = _cart_count_html(language, count)
    if _BANNER_MARK_B in markers:
        referral = consent_banner_referral(request)
        if referral:
            bits[_BANNER_MARK_B] = (
                _banner_html(
                    language, str(referral.get("name", "")), settings.ATTRIBUTION_WINDOW_DAYS
                )
                .replace(_CSRF_MARK_B, token)
                .replace(_NEXT_MARK_B, escape(request.get_full_path()).encode())
            )
    return b"".join([bits[part] if i % 2 else part for i, part in enumerate(parts)])


def cached_page(
    request, *, page: str, template_name: str, context_factory, partner_id=None, stamp=""
) -> HttpResponse:
    """Render `template_name` with context_factory() at most once per cache key."""
    if _must_render_fresh(request):
        response = render(request, template_name, context_factory())
    else:
        key = page_cache_key(page=page, partner_id=partner_id, stamp=stamp, request=request)
        parts = page_memo.get(key)
        if parts is None:
            text = cache.get(key)
            if text is None:
                text = render_to_string(
                    template_name, {**context_factory(), **MARKS}, request=request
                )
                cache.set(key, text, settings.LANDING_CACHE_SECONDS)
            parts = page_split(text)
            page_memo.put(key, parts, settings.LANDING_CACHE_SECONDS)
        response = HttpResponse(render_personal_bits(parts, request))
        response.headers["Cache-Control"] = "private"  # what patch_cache_control gives here
        return response
    patch_cache_control(response, private=True)
    return response
