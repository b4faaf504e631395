import hashlib
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.messages import get_messages
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from orders.cart import Cart
from orders.events import consent_answered
from orders.forms import CartAddForm
from orders.referral import (
    CONSENT_TEXT_VERSION,
    SLUG_RE,
    LinkParams,
    campaign_from_text,
    consent_banner_referral,
    consent_cookie_set,
    consent_state,
    is_bot,
    is_own_page,
    link_params,
    referral_cookie_delete,
    referral_cookie_refresh,
    referral_cookie_set,
    referral_from_session,
    referral_remember,
)
from orders.selectors import product_list_active
from partners.links import absolute_url, site_url
from partners.slugs import SLUG_MAX

from .pagecache import local_tier, page_bytes, page_key, public_response
from .selectors import (
    landing_partner_for_page,
    landing_partner_get,
    landing_product_get,
    landing_products_for,
    product_url_name,
)
from .services import landing_link_visit_record, landing_visit_record


def home(request):
    return render(request, "landing/home.html", {"products": product_list_active()[:3]})


def not_found(request, exception=None):
    """The friendly 404 (also used as the site's handler404)."""
    return render(request, "404.html", status=404)


def safe_path(request, url, fallback: str) -> str:
    """`url` if it is a path on this site, else `fallback` (never a view name,
    another host, or something a redirect cannot take)."""
    if (
        isinstance(url, str)
        and url.startswith("/")
        and "\x00" not in url
        and url_has_allowed_host_and_scheme(
            url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return url
    return fallback


def _is_id(value: str) -> bool:
    """ASCII digits only ("²" and other digits int() refuses are not ids)."""
    return value.isascii() and value.isdigit()


def _scope(slug) -> str:
    """A `ref` parameter as the slug a page is scoped to ("" when not a slug)."""
    slug = (slug or "").strip().lower() if isinstance(slug, str) else ""
    return slug if SLUG_RE.fullmatch(slug) else ""


def _partner_cached(slug: str):
    """landing_partner_get() through the local tier (a few seconds; emptied by
    landing_cache_invalidate in this process)."""
    key = f"landing:partner:{slug}"
    found = local_tier().get(key)
    if found is None:
        found = landing_partner_get(slug=slug) or False
        local_tier().set(key, found, settings.LANDING_LOCAL_SECONDS)
    return found or None


def _snippet(parts: tuple, render) -> str:
    """A per-visitor snippet that depends only on `parts` (no token, no user):
    rendered once per process for a few seconds (local tier)."""
    key = "landing:snippet:" + hashlib.sha1(repr(parts).encode(), usedforsecurity=False).hexdigest()
    html = local_tier().get(key)
    if html is None:
        html = render()
        local_tier().set(key, html, settings.LANDING_LOCAL_SECONDS)
    return html


def _base_key(request) -> str:
    """Absolute links in a cached page follow the address the request came to
    when SITE_URL is not set: one copy per address then."""
    return "" if settings.SITE_URL else site_url(request)


def _public_context(*, page_path: str, scope_slug: str, visitor_url: str) -> dict:
    return {
        "public_page": True,
        "page_path": page_path,
        "scope_slug": scope_slug,
        "visitor_url": visitor_url,
    }


@require_safe
def partner_page(request, slug):
    """A partner's landing page /<slug>/: the same page for every visitor."""
    if len(slug) > SLUG_MAX:  # no partner has it; keeps cache keys short
        return not_found(request)
    if slug != slug.lower():
        url = reverse("landing:partner", kwargs={"slug": slug.lower()})
        query = request.META.get("QUERY_STRING", "")
        return HttpResponseRedirect(f"{url}?{query}" if query else url)
    key = page_key("partner", slug, get_language(), _base_key(request))
    content = local_tier().get(key)
    if content is None:
        found = landing_partner_get(slug=slug)
        if found is None:
            return not_found(request)

        def render_page() -> str:
            partner = landing_partner_for_page(pk=found.pk)
            photo_url = partner.photo.url if partner.photo else ""
            path = reverse("landing:partner", kwargs={"slug": partner.slug})
            products = landing_products_for(partner=partner)
            context = {
                "partner": partner,
                "featured": [p for p in products if p.featured],
                "others": [p for p in products if not p.featured],
                "canonical_url": absolute_url(path, request),
                "og_image": absolute_url(photo_url, request) if photo_url else "",
                **_public_context(
                    page_path=path,
                    scope_slug=partner.slug,
                    visitor_url=reverse("landing:visitor", kwargs={"slug": partner.slug}),
                ),
            }
            return render_to_string("landing/partner.html", context, request=request)

        content = page_bytes(key=key, partner_id=found.pk, render=render_page)
    return public_response(content)


@require_safe
def shop(request):
    """The company's shop: the same products; scoped to a partner by `?ref=`
    (links and the add-to-cart form keep it). Other parameters (utm_*, fbclid)
    do not change the page."""
    scope = _scope(request.GET.get("ref"))
    key = page_key("shop", get_language(), scope, _base_key(request))
    content = local_tier().get(key)
    if content is None:
        partner = _partner_cached(scope) if scope else None
        scope = partner.slug if partner else ""

        def render_page() -> str:
            path = reverse("landing:shop")
            context = {
                "products": list(product_list_active()),
                "canonical_url": absolute_url(path, request),
                "scope_partner": partner,
                **_public_context(
                    page_path=f"{path}?ref={scope}" if scope else path,
                    scope_slug=scope,
                    visitor_url=reverse("landing:shop_visitor")
                    + (f"?ref={scope}" if scope else ""),
                ),
            }
            return render_to_string("landing/shop.html", context, request=request)

        content = page_bytes(
            key=key, partner_id=partner.pk if partner else None, render=render_page
        )
    return public_response(content)


@require_safe
def product(request, pk):
    """One product with its own add-to-cart form: where the buttons of the public
    pages lead without JavaScript. Per visitor (form token), so private."""
    found = landing_product_get(pk=pk)
    if found is None:
        return not_found(request)
    scope = _scope(request.GET.get("ref"))
    partner = _partner_cached(scope) if scope else None
    back = safe_path(request, request.GET.get("next"), reverse("landing:shop"))
    return render(
        request,
        "landing/product.html",
        {
            "product": found,
            "form": CartAddForm(initial={"product": found.pk, "quantity": 1}),
            "scope_slug": partner.slug if partner else "",
            "scope_partner": partner,
            "next": back,
        },
    )


@require_safe
def partner_product(request, slug, pk, name=None):
    """A product under a partner, /<slug>/p/<pk>-<name>/: the page a partner
    shares for one product (large image, price, add to cart, a link preview with
    the product's picture and the partner's name). The same page for everyone,
    like the landing page; `c` and utm_* parameters do not make copies."""
    if len(slug) > SLUG_MAX or len(name or "") > 100:
        return not_found(request)
    # Only the current address of a product is ever kept, so a kept page needs no query.
    key = page_key("product", slug, pk, name, get_language(), _base_key(request))
    content = local_tier().get(key)
    if content is None:
        found = landing_product_get(pk=pk)
        canonical_name = product_url_name(found) if found else ""
        if found is not None and (slug != slug.lower() or name != canonical_name):
            # Old or shortened links (/<slug>/p/<pk>/, a renamed product) lead to the
            # current address.
            url = reverse(
                "landing:partner_product",
                kwargs={"slug": slug.lower(), "pk": pk, "name": canonical_name},
            )
            query = request.META.get("QUERY_STRING", "")
            return HttpResponseRedirect(f"{url}?{query}" if query else url)
        partner_found = landing_partner_get(slug=slug)
        if partner_found is None or found is None:
            return not_found(request)

        def render_page() -> str:
            partner = landing_partner_for_page(pk=partner_found.pk)
            path = reverse(
                "landing:partner_product",
                kwargs={"slug": partner.slug, "pk": found.pk, "name": canonical_name},
            )
            image_url = found.image.url if found.image else ""
            context = {
                "partner": partner,
                "product": found,
                "canonical_url": absolute_url(path, request),
                "og_image": absolute_url(image_url, request) if image_url else "",
                "landing_path": reverse("landing:partner", kwargs={"slug": partner.slug}),
                **_public_context(
                    page_path=path,
                    scope_slug=partner.slug,
                    visitor_url=reverse("landing:visitor", kwargs={"slug": partner.slug})
                    + f"?p={found.pk}",
                ),
            }
            return render_to_string("landing/partner_product.html", context, request=request)

        content = page_bytes(key=key, partner_id=partner_found.pk, render=render_page)
    return public_response(content)


@require_safe
def campaign_link(request, slug, name):
    """A partner's campaign link /<slug>/c/<name>/: to the landing page (or, with
    ?p=<product id>, the product page) with the campaign in the address, where
    the visit is counted and the first action takes it along (orders.referral)."""
    campaign = campaign_from_text(name)
    partner = _partner_cached(slug.lower()) if len(slug) <= SLUG_MAX else None
    if partner is None:
        return not_found(request)
    params = {"c": campaign} if campaign else {}
    params.update({k: v for k, v in request.GET.items() if k.startswith("utm_") and len(v) <= 200})
    target = reverse("landing:partner", kwargs={"slug": partner.slug})
    product_pk = request.GET.get("p", "")
    if _is_id(product_pk) and len(product_pk) < 10:
        found = landing_product_get(pk=int(product_pk))
        if found is not None:
            target = reverse(
                "landing:partner_product",
                kwargs={"slug": partner.slug, "pk": found.pk, "name": product_url_name(found)},
            )
    response = HttpResponseRedirect(f"{target}?{urlencode(params)}" if params else target)
    patch_cache_control(response, public=True, max_age=settings.LANDING_PUBLIC_MAX_AGE)
    return response


@require_safe
def visitor(request, slug=None):
    """The per-visitor bits of a public page, fetched by static/js/visitor.js after
    load: the cart count, the consent banner, messages and the menu
    of a signed-in user (JSON of HTML snippets, private, never cached).

    On a partner's page this also counts the visit (browsers run the script; bots
    and link previews do not), and renews the referral of a visitor who has a
    session already (someone who has acted) and, after consent, the referral
    cookie. A visitor who only looks gets no session. The signed-in partner on
    their own page counts no visit and leaves no referral."""
    if slug is not None:
        partner = _partner_cached(slug)
        if partner is None:
            raise Http404
    else:
        scope = _scope(request.GET.get("ref"))
        partner = _partner_cached(scope) if scope else None
    page = safe_path(request, request.GET.get("next"), "/")
    acts = partner is not None and not is_bot(request) and not is_own_page(request, partner)
    if acts:
        link = link_params(urlsplit(page).query)
        if slug is not None:
            landing_visit_record(partner_id=partner.pk)
            product_pk = request.GET.get("p", "")
            landing_link_visit_record(
                partner_id=partner.pk,
                campaign=link.campaign,
                product_id=int(product_pk) if _is_id(product_pk) and len(product_pk) < 10 else None,
            )
        if request.session.keys():
            referral_remember(request, partner=partner, via="landing", link=link)
    # No form token here: a visitor who only looks gets no cookie at all. The script
    # reads the token from the CSRF cookie (Django's documented way for scripts) and,
    # at the first action of a visitor who has none, asks form_token for it (both
    # named in the page: data-csrf-cookie, data-token-url).
    bits = {
        "cart": "",
        "banner": "",
        "messages": "",
        "account": "",
    }
    language = get_language()
    count = len(Cart(request.session))
    if count:
        bits["cart"] = _snippet(
            ("cart", language, count),
            lambda: render_to_string("orders/_cart_count.html", {"cart_count": count}),
        )
    referral = consent_banner_referral(request)
    if referral:
        bits["banner"] = _snippet(
            ("banner", language, str(referral.get("name", "")), page),
            lambda: render_to_string(
                "landing/_consent_banner.html",
                {
                    "consent_banner_referral": referral,
                    "consent_next": page,
                    "token_from_script": True,
                    "ATTRIBUTION_WINDOW_DAYS": settings.ATTRIBUTION_WINDOW_DAYS,
                },
            ),
        )
    messages = get_messages(request)
    if messages:
        bits["messages"] = render_to_string("includes/messages.html", {"messages": messages})
    if request.user.is_authenticated:
        bits["account"] = render_to_string("includes/account_nav.html", request=request)
    response = JsonResponse(bits)
    response["Cache-Control"] = "private, no-store"
    if acts:
        referral_cookie_refresh(request, response, partner=partner)
    return response


@never_cache
@require_safe
def form_token(request):
    """The visitor's form token (and the CSRF cookie with it), asked for by
    visitor.js when a visitor without one submits a form of a public page."""
    return JsonResponse({"csrf": get_token(request)})


@require_http_methods(["GET", "POST"])
def consent(request):
    """The visitor's answer to the consent banner; GET shows the choice and lets
    them change it at any time."""
    if request.method == "GET":
        return render(
            request,
            "landing/consent.html",
            {
                "state": consent_state(request),
                "referral": request.session.get("referral"),
                "text_version": CONSENT_TEXT_VERSION,
            },
        )
    accepted = request.POST.get("choice") == "accept"
    response = HttpResponseRedirect(
        safe_path(request, request.POST.get("next"), reverse("landing:consent"))
    )
    consent_cookie_set(response, accepted=accepted, secure=request.is_secure())
    consent_answered.send(sender=None, accepted=accepted, text_version=CONSENT_TEXT_VERSION)
    if accepted:
        referral = referral_from_session(request)
        if referral is not None and referral.is_fresh():
            referral_cookie_set(
                response,
                slug=referral.slug,
                at=referral.seen_at.timestamp(),
                link=LinkParams(campaign=referral.campaign, utm=dict(referral.utm)),
                secure=request.is_secure(),
            )
    else:
        referral_cookie_delete(response)
    return response


@require_safe
def language_switch(request):
    """The language switch of the public pages (their HTML has no form token):
    sets the language cookie, as Django's set_language does, and goes back."""
    response = HttpResponseRedirect(safe_path(request, request.GET.get("next"), "/"))
    code = request.GET.get("language", "")
    if code in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            code,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response


def legal_page(request, page):
    return render(request, f"landing/legal_{page}.html", {"page": page})


def bench_bare(request):
    """Only routed when BENCH_BARE_VIEW=1 (bench/landing.py): the floor to compare
    the landing page against."""
    return HttpResponse(b"ok", content_type="text/plain")
