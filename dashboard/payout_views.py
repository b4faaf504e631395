"""The partner's payout details page (payouts app, commissions.md section 5)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from payouts import selectors as payout_selectors
from payouts import services as payout_services
from payouts.forms import PayoutProfileForm

from .views import _add_service_errors, partner_required

FIELDS = (
    "account_holder",
    "company_name",
    "street",
    "postal_code",
    "city",
    "country",
    "tax_status",
    "tax_number",
    "vat_id",
    "bic",
)


@require_http_methods(["GET", "POST"])
@partner_required
def payout_profile(request, partner):
    profile = payout_selectors.payout_profile_get(partner=partner)
    status = 200
    if request.method == "POST":
        form = PayoutProfileForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            # An empty IBAN field keeps the stored one: it is never shown in full.
            if not data["iban"].strip() and profile is not None:
                data["iban"] = profile.iban
            try:
                payout_services.payout_profile_save(partner=partner, actor=request.user, **data)
            except ValidationError as exc:
                _add_service_errors(form, exc)
            else:
                messages.success(request, _("Your payout details are saved."))
                return redirect("dashboard:payout_profile")
        status = 400
    else:
        initial = {name: getattr(profile, name) for name in FIELDS} if profile else {}
        form = PayoutProfileForm(initial=initial)
    return render(
        request,
        "dashboard/payout_profile.html",
        {
            "partner": partner,
            "profile": profile,
            "form": form,
            "blockers": payout_selectors.payout_blockers(profile=profile),
            "items": [
                (item, payout_selectors.payout_item_status_text(item=item, profile=profile))
                for item in payout_selectors.payout_items_of(partner=partner)
            ],
            "credit_notes": payout_selectors.credit_notes_of(partner=partner),
            "active_tab": "payouts",
        },
        status=status,
    )


@require_GET
@partner_required
def credit_note_download(request, partner, number: str, kind: str):
    found = payout_selectors.credit_note_file(number=number, kind=kind, partner=partner)
    if found is None:
        raise Http404
    content, content_type, file_name = found
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    response["Cache-Control"] = "private, no-store"
    return response
