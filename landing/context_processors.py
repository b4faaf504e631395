from django.conf import settings

from partners.links import site_url


def site(request):
    """Site-wide template variables. The per-visitor ones are callables, so they
    cost nothing on pages that do not show them."""
    from orders.cart import Cart
    from orders.referral import consent_banner_referral

    return {
        "COMPANY_NAME": settings.COMPANY_NAME,
        "SITE_URL": site_url(request),
        "CSRF_COOKIE_NAME": settings.CSRF_COOKIE_NAME,
        "ATTRIBUTION_WINDOW_DAYS": settings.ATTRIBUTION_WINDOW_DAYS,
        "SHIPPING_FLAT_FEE": settings.SHIPPING_FLAT_FEE,
        "SHIPPING_FREE_FROM": settings.SHIPPING_FREE_FROM,
        "consent_banner_referral": lambda: consent_banner_referral(request),
        "cart_count": lambda: len(Cart(request.session)) if hasattr(request, "session") else 0,
    }
