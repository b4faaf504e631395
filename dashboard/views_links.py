"""Tab "Links": everything a partner shares, and what it brought. Product links
with copy button and QR code, campaigns, the partner code, the products shown
first on the landing page, and the campaign and product figures."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from landing.models import FeaturedProduct
from landing.selectors import campaigns_of
from landing.services import (
    campaign_create,
    campaign_delete,
    featured_products_set,
)
from orders.services import code_benefit_current
from partners.links import absolute_url
from partners.qr import qr_svg
from partners.services import partner_code_set

from .forms_links import CampaignForm, PartnerCodeForm
from .selectors_links import STATS_DAYS, link_stats, partner_product_links
from .views import _add_service_errors, partner_required


def _is_id(value: str) -> bool:
    return value.isascii() and value.isdigit()


def _featured_ids(post) -> list[int]:
    """The ticked products, by the position the partner typed (then list order)."""
    chosen = []
    for n, value in enumerate(post.getlist("featured")):
        if not _is_id(value) or len(value) > 9:
            continue
        position = post.get(f"position_{value}", "")
        rank = int(position) if _is_id(position) and len(position) < 4 else 999
        chosen.append((rank, n, int(value)))
    return [pid for _rank, _n, pid in sorted(chosen)]


@require_http_methods(["GET", "POST"])
@partner_required
def links(request, partner):
    campaign_form = CampaignForm()
    code_form = PartnerCodeForm(initial={"code": partner.code or ""})
    featured_error = ""
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "campaign":
                campaign_form = CampaignForm(request.POST)
                if campaign_form.is_valid():
                    campaign = campaign_create(
                        partner=partner, name=campaign_form.cleaned_data["name"]
                    )
                    messages.success(
                        request,
                        _("Campaign “%(name)s” created. Share its link below.")
                        % {"name": campaign.name},
                    )
                    return redirect(f"{reverse('dashboard:links')}?c={campaign.name}#campaigns")
            elif action == "campaign_delete":
                pk = request.POST.get("campaign", "")
                if _is_id(pk) and len(pk) < 10:
                    campaign_delete(partner=partner, campaign_id=int(pk))
                messages.success(request, _("The campaign is removed from your list."))
                return redirect(f"{reverse('dashboard:links')}#campaigns")
            elif action == "code":
                code_form = PartnerCodeForm(request.POST)
                if code_form.is_valid():
                    partner = partner_code_set(partner=partner, code=code_form.cleaned_data["code"])
                    messages.success(request, _("Your partner code is saved."))
                    return redirect(f"{reverse('dashboard:links')}#code")
            elif action == "featured":
                featured_products_set(partner=partner, product_ids=_featured_ids(request.POST))
                messages.success(request, _("Your landing page shows these products first now."))
                return redirect(f"{reverse('dashboard:links')}#featured")
        except ValidationError as exc:
            if action == "campaign":
                _add_service_errors(campaign_form, exc)
            elif action == "code":
                _add_service_errors(code_form, exc)
            else:
                featured_error = " ".join(exc.messages)
        status = 400

    days = request.GET.get("days")
    days = int(days) if days in {str(d) for d in STATS_DAYS} else STATS_DAYS[0]
    campaigns = campaigns_of(partner=partner)
    chosen = request.GET.get("c", "")
    chosen = chosen if chosen in {c.name for c in campaigns} else ""
    suffix = f"?{urlencode({'c': chosen})}" if chosen else ""
    products = partner_product_links(partner=partner)
    for product in products:
        product.url = absolute_url(product.path, request) + suffix
        product.qr = qr_svg(
            product.url, title=_("QR code of your link to %(name)s") % {"name": product.name}
        )
    for campaign in campaigns:
        campaign.url = absolute_url(f"/{partner.slug}/c/{campaign.name}/", request)
    featured = dict(
        FeaturedProduct.objects.filter(partner=partner).values_list("product_id", "position")
    )
    for product in products:
        product.featured_position = featured.get(product.pk)
    stats = link_stats(partner=partner, days=days)
    chart = {
        "labels": [row.label for row in stats.campaigns],
        "datasets": [
            {"label": _("Visits"), "data": [row.visits for row in stats.campaigns]},
            {"label": _("Orders"), "data": [row.orders for row in stats.campaigns]},
        ],
    }
    return render(
        request,
        "dashboard/links.html",
        {
            "partner": partner,
            "active_tab": "links",
            "products": products,
            "campaigns": campaigns,
            "chosen_campaign": chosen,
            "campaign_form": campaign_form,
            "code_form": code_form,
            "featured_error": featured_error,
            "stats": stats,
            "stats_days": STATS_DAYS,
            "chart": chart,
            "code_example": (partner.code or partner.slug).upper(),
            "benefit": code_benefit_current(),
        },
        status=status,
    )
