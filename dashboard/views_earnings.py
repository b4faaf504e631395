"""The "Earnings" tab: this month's estimate, the statements of closed months
with every line in words, and a chart of earnings per month. Thin: the reads
are commissions.selectors."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from commissions import selectors as commission_selectors
from qualification.periods import period_name, period_parse
from qualification.services import period_current_open

from .views import partner_required


def _chart(rows) -> dict:
    chronological = list(reversed(rows))
    return {
        "labels": [period_name(row.start) for row in chronological],
        "datasets": [
            {
                "label": _("Customer commission"),
                "data": [f"{row.customer_commission:.2f}" for row in chronological],
            },
            {
                "label": _("Team commission"),
                "data": [f"{row.team_commission:.2f}" for row in chronological],
            },
            {
                "label": _("Advancement bonus"),
                "data": [f"{row.advancement_bonus:.2f}" for row in chronological],
            },
        ],
    }


@require_GET
@partner_required
def earnings(request, partner):
    period = period_current_open()
    estimate = commission_selectors.estimate_for_partner(partner=partner, period=period)
    rows = commission_selectors.earnings_by_period(partner=partner)
    return render(
        request,
        "dashboard/earnings.html",
        {
            "partner": partner,
            "period": period,
            "estimate": estimate,
            "rows": rows,
            "chart": _chart(rows),
            "active_tab": "earnings",
        },
    )


@require_GET
@partner_required
def earnings_statement(request, partner, label: str):
    try:
        start = period_parse(label)
    except DjangoValidationError as exc:
        raise Http404(exc.messages[0]) from exc
    detail = commission_selectors.statement_detail(
        partner=partner,
        period_start=start,
        page=request.GET.get("page") or 1,
        orders_page=request.GET.get("orders") or 1,
    )
    if detail is None:
        raise Http404(_("You have no statement for %(label)s.") % {"label": label})
    return render(
        request,
        "dashboard/earnings_statement.html",
        {"partner": partner, "detail": detail, "active_tab": "earnings"},
    )
