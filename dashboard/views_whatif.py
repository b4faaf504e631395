"""The "What's missing?" page: what a rank needs, a simulator, and the team
members close to a rank. Nothing is stored; a GET form."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from qualification.selectors import plan_rules
from qualification.services import period_current_open
from qualification.whatif import OWN
from subscriptions.selectors import partner_subscription_volume_due

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
    # Customers' subscription cycles still due this month: expected volume of one's own.
    expected = partner_subscription_volume_due(partner=partner)
    expected_simulation = (
        selectors_whatif.whatif_simulate(data, target=OWN, amount=expected) if expected else None
    )
    context = {
        "expected_from_subscriptions": expected,
        "expected_simulation": expected_simulation,
        "partner": partner,
        "period": period,
        "whatif": data,
        "form": form,
        "simulation": simulation,
        "chosen_rank": rank,
        "active_tab": "whatif",
    }
    return render(request, "dashboard/whatif.html", context, status=status)


@require_GET
@partner_required
def whatif_close(request, partner):
    """Team members by how little they miss for their next rank, a page at a
    time: its own request (the page loads it with htmx), so the simulator does
    not sort the whole team on every try."""
    period = period_current_open()
    page = min(max(_int_or_none(request.GET.get("page")) or 1, 1), 10_000)
    near, more = selectors_whatif.team_near_ranks(
        partner=partner, period=period, plan_desc=plan_rules(), page=page
    )
    context = {
        "partner": partner,
        "period": period,
        "near": near,
        "near_page": page,
        "near_more": more,
        "active_tab": "whatif",
    }
    if getattr(request, "htmx", False):
        return render(request, "dashboard/_whatif_close.html", context)
    return render(request, "dashboard/whatif_close.html", context)
