"""The "What's missing?" page: what a rank needs, a simulator, and the team
members close to a rank. Nothing is stored; a GET form."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from qualification.services import period_current_open

from . import selectors_whatif
from .forms_whatif import SimulateForm
from .views import _int_or_none, partner_required


@require_GET
@partner_required
def whatif(request, partner):
    period = period_current_open()
    rank = _int_or_none(request.GET.get("rank"))
    data = selectors_whatif.partner_whatif(partner=partner, period=period, rank=rank)
    status = 200
    if "amount" in request.GET or "target" in request.GET:
        form = SimulateForm(request.GET, legs=data.leg_choices)
        if form.is_valid():
            simulation = selectors_whatif.whatif_simulate(
                data, target=form.target_value(), amount=form.cleaned_data["amount"]
            )
        else:
            simulation, status = None, 400
    else:
        form, simulation = SimulateForm(legs=data.leg_choices), None
    page = max(_int_or_none(request.GET.get("page")) or 1, 1)
    near, more = selectors_whatif.team_near_ranks(
        partner=partner, period=period, plan_desc=data.plan, page=min(page, 10_000)
    )
    context = {
        "partner": partner,
        "period": period,
        "whatif": data,
        "form": form,
        "simulation": simulation,
        "near": near,
        "near_page": page,
        "near_more": more,
        "chosen_rank": rank,
        "active_tab": "whatif",
    }
    return render(request, "dashboard/whatif.html", context, status=status)
