from partners.selectors import partner_get_by_slug

from orders.referral import is_bot, referral_cookie_set, referral_remember


class ReferralMiddleware:
    """`?ref=<slug>` on any page remembers an active partner as the referral
    (session always; the signed cookie only after consent, see referral.py).
    Unknown, inactive and terminated slugs are ignored. Also writes the referral
    cookie a view asked for (request.referral_cookie)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in ("GET", "HEAD") and "ref" in request.GET and not is_bot(request):
            slug = request.GET.get("ref", "")[:40]
            partner = partner_get_by_slug(slug=slug, active_only=True) if slug else None
            if partner is not None:
                referral_remember(request, partner=partner, via="ref")
        response = self.get_response(request)
        cookie = getattr(request, "referral_cookie", None)
        if cookie is not None:
            referral_cookie_set(response, slug=cookie[0], at=cookie[1], secure=request.is_secure())
        return response
