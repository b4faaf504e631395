from django.conf import settings
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from orders.selectors import product_list_active

from .pagecache import cached_page, signed_in_user_id
from orders.referral import (
    consent_cookie_set,
    consent_state,
    is_bot,
    referral_cookie_delete,
    referral_cookie_set,
    referral_from_session,
    referral_remember,
)
from .selectors import landing_catalogue_stamp, landing_partner_for_page, landing_partner_get
from .services import landing_visit_record


def home(request):
    return render(request, "landing/home.html", {"products": product_list_active()[:3]})


def not_found(request, exception=None):
    """The friendly 404 (also used as the site's handler404)."""
    return render(request, "404.html", status=404)


def partner_page(request, slug):
    """A partner's landing page /<slug>/: remembers the partner as referral,
    counts the visit, and serves the (cached) page."""
    if slug != slug.lower():
        url = reverse("landing:partner", kwargs={"slug": slug.lower()})
        query = request.META.get("QUERY_STRING", "")
        return HttpResponseRedirect(f"{url}?{query}" if query else url)
    found = landing_partner_get(slug=slug)
    if found is None:
        return not_found(request)
    user_id = signed_in_user_id(request)
    own_preview = user_id is not None and user_id == found.user_id
    if not is_bot(request) and not own_preview:
        referral_remember(request, partner=found, via="landing")
        landing_visit_record(partner_id=found.pk)

    def context():
        partner = landing_partner_for_page(pk=found.pk)
        photo_url = partner.photo.url if partner.photo else ""
        return {
            "partner": partner,
            "products": list(product_list_active()),
            "canonical_url": f"{settings.SITE_URL}{reverse('landing:partner', kwargs={'slug': partner.slug})}",
            "og_image": f"{settings.SITE_URL}{photo_url}"
            if photo_url.startswith("/")
            else photo_url,
        }

    return cached_page(
        request,
        page=f"partner-{found.pk}",
        template_name="landing/partner.html",
        context_factory=context,
        partner_id=found.pk,
        stamp=found.stamp,
    )


def shop(request):
    """The company's own shop: the same products, no partner context."""
    return cached_page(
        request,
        page="shop",
        template_name="landing/shop.html",
        context_factory=lambda: {
            "products": list(product_list_active()),
            "canonical_url": f"{settings.SITE_URL}{reverse('landing:shop')}",
        },
        stamp=landing_catalogue_stamp(),
    )


def _safe_next(request, fallback: str) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return fallback


@require_http_methods(["GET", "POST"])
def consent(request):
    """The visitor's answer to the consent banner; GET shows the choice and lets
    them change it at any time."""
    if request.method == "GET":
        return render(
            request,
            "landing/consent.html",
            {"state": consent_state(request), "referral": request.session.get("referral")},
        )
    accepted = request.POST.get("choice") == "accept"
    response = redirect(_safe_next(request, reverse("landing:consent")))
    consent_cookie_set(response, accepted=accepted, secure=request.is_secure())
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


def legal_page(request, page):
    return render(request, f"landing/legal_{page}.html", {"page": page})


def bench_bare(request):
    """Only routed when BENCH_BARE_VIEW=1 (bench/landing.py): the floor to compare
    the landing page against."""
    return HttpResponse(b"ok", content_type="text/plain")
