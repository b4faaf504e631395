"""Partner enrollment pages: invite link, welcome page, address check, terms.

Thin: they look things up through selectors and render; the sign-up itself is
allauth's view with our form (forms.PartnerSignupForm) and adapter.
"""

from allauth.account.views import SignupView
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from .forms import SESSION_SPONSOR_KEY
from .links import absolute_url
from .qr import qr_svg
from .selectors import partner_get_by_slug, partner_invite_url, partner_landing_url
from .slugs import slug_is_taken, slug_problems, slug_suggest


class JoinView(SignupView):
    """/join/<sponsor-slug>/: the sign-up form with the sponsor introduced and
    prefilled. The sponsor is remembered in the session for the visit."""

    template_name = "account/signup.html"

    def dispatch(self, request, *args, **kwargs):
        self.sponsor = partner_get_by_slug(slug=kwargs["sponsor_slug"], active_only=True)
        if self.sponsor is None:
            return render(
                request,
                "partners/join_not_found.html",
                {"code": kwargs["sponsor_slug"]},
                status=404,
            )
        request.session[SESSION_SPONSOR_KEY] = self.sponsor.slug
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        initial = super().get_initial()
        initial["sponsor"] = self.sponsor.slug
        return initial


join = JoinView.as_view()


@login_required
def welcome(request):
    """Where a new partner lands after sign-up: their address and invite link."""
    partner = getattr(request.user, "partner", None)
    if partner is None:
        return redirect(settings.LOGIN_REDIRECT_URL)
    invite_url = partner_invite_url(partner=partner, request=request)
    return render(
        request,
        "partners/welcome.html",
        {
            "partner": partner,
            "landing_url": partner_landing_url(partner=partner, request=request),
            "invite_url": invite_url,
            "invite_qr": qr_svg(invite_url, title=_("QR code of your invite link")),
        },
    )


@require_GET
def slug_check(request):
    """Is a landing page address free? htmx gets a status line, others JSON."""
    wish = (request.GET.get("slug") or "").strip()
    slug = wish.lower()
    problems = slug_problems(slug) if slug else []
    taken = bool(slug) and not problems and slug_is_taken(slug)
    suggestion = slug_suggest(slug) if slug and (problems or taken) else ""
    if suggestion and slug_problems(suggestion):
        suggestion = ""
    result = {
        "slug": slug,
        "available": bool(slug) and not problems and not taken,
        "problems": problems,
        "taken": taken,
        "suggestion": suggestion,
    }
    if request.htmx:
        return render(
            request,
            "partners/_slug_status.html",
            {**result, "landing_url": absolute_url(f"/{slug}/", request)},
        )
    return JsonResponse(result)


def terms(request):
    return render(request, "partners/terms.html", {"terms_version": settings.PARTNER_TERMS_VERSION})
