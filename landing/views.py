import hashlib

from django.conf import settings
from django.contrib.messages import get_messages
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
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
    consent_banner_referral,
    consent_cookie_set,
    consent_state,
    is_bot,
    is_own_page,
    referral_cookie_delete,
    referral_cookie_refresh,
    referral_cookie_set,
    referral_from_session,
    referral_remember,
)
from orders.selectors import product_list_active
from partners.slugs import SLUG_MAX

from .pagecache import local_tier, page_bytes, page_key, public_response
from .selectors import landing_partner_for_page, landing_partner_get, landing_product_get
from .services import landing_visit_record


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
    key = page_key("partner", slug, get_language())
    content = local_tier().get(key)
    if content is None:
        found = landing_partner_get(slug=slug)
        if found is None:
            return not_found(request)

        def render_page() -> str:
            partner = landing_partner_for_page(pk=found.pk)
            photo_url = partner.photo.url if partner.photo else ""
            path = reverse("landing:partner", kwargs={"slug": partner.slug})
            context = {
                "partner": partner,
                "products": list(product_list_active()),
                "canonical_url": f"{settings.SITE_URL}{path}",
                "og_image": f"{settings.SITE_URL}{photo_url}"
                if photo_url.startswith("/")
                else photo_url,
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
    key = page_key("shop", get_language(), scope)
    content = local_tier().get(key)
    if content is None:
        partner = _partner_cached(scope) if scope else None
        scope = partner.slug if partner else ""

        def render_page() -> str:
            path = reverse("landing:shop")
            context = {
                "products": list(product_list_active()),
                "canonical_url": f"{settings.SITE_URL}{path}",
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
        if slug is not None:
            landing_visit_record(partner_id=partner.pk)
        if request.session.keys():
            referral_remember(request, partner=partner, via="landing")
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
