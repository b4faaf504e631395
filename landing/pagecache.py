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
"""

import hashlib
from functools import lru_cache

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import get_template, render_to_string
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.html import escape
from django.utils.translation import get_language

from orders.cart import Cart

from .referral import consent_banner_referral
from .services import GLOBAL_VERSION_KEY, partner_version_key

CSRF_MARK = "mlmcsrfmarker7f3a9c"
BANNER_MARK = "<!--mlm:consent-banner-->"
CART_MARK = "<!--mlm:cart-count-->"
NEXT_MARK = "mlmnextmarker7f3a9c"
MARKS = {"page_cache_marks": True, "csrf_token": CSRF_MARK}


def _must_render_fresh(request) -> bool:
    if request.user.is_authenticated:
        return True
    return len(get_messages(request)) > 0


def page_cache_key(*, page: str, partner_id: int | None, stamp: str, request) -> str:
    keys = [GLOBAL_VERSION_KEY] + (
        [partner_version_key(partner_id)] if partner_id is not None else []
    )
    versions = cache.get_many(keys)
    query = hashlib.sha1(
        request.META.get("QUERY_STRING", "").encode(), usedforsecurity=False
    ).hexdigest()[:12]
    version = "-".join(str(versions.get(k, 0)) for k in keys)
    return f"landing:page:{page}:{get_language()}:{query}:{version}:{stamp}"


@lru_cache(maxsize=512)
def _banner_html(language: str, name: str, days: int) -> str:
    with translation.override(language):
        return get_template("landing/_consent_banner.html").render(
            {
                "consent_banner_referral": {"name": name},
                "csrf_token": CSRF_MARK,
                "consent_next": NEXT_MARK,
                "ATTRIBUTION_WINDOW_DAYS": days,
            }
        )


@lru_cache(maxsize=512)
def _cart_count_html(language: str, count: int) -> str:
    with translation.override(language):
        return get_template("orders/_cart_count.html").render({"cart_count": count})


def render_personal_bits(html: str, request) -> str:
    """Fill the markers of a cached page for this visitor."""
    token = get_token(request)
    html = html.replace(CSRF_MARK, token)
    language = get_language()
    if CART_MARK in html:
        count = len(Cart(request.session))
        html = html.replace(CART_MARK, _cart_count_html(language, count) if count else "")
    if BANNER_MARK in html:
        referral = consent_banner_referral(request)
        banner = ""
        if referral:
            banner = (
                _banner_html(
                    language, str(referral.get("name", "")), settings.ATTRIBUTION_WINDOW_DAYS
                )
                .replace(CSRF_MARK, token)
                .replace(NEXT_MARK, escape(request.get_full_path()))
            )
        html = html.replace(BANNER_MARK, banner)
    return html


def cached_page(
    request, *, page: str, template_name: str, context_factory, partner_id=None, stamp=""
) -> HttpResponse:
    """Render `template_name` with context_factory() at most once per cache key."""
    if _must_render_fresh(request):
        response = render(request, template_name, context_factory())
    else:
        key = page_cache_key(page=page, partner_id=partner_id, stamp=stamp, request=request)
        html = cache.get(key)
        if html is None:
            html = render_to_string(template_name, {**context_factory(), **MARKS}, request=request)
            cache.set(key, html, settings.LANDING_CACHE_SECONDS)
        response = HttpResponse(render_personal_bits(html, request))
    patch_cache_control(response, private=True)
    return response
