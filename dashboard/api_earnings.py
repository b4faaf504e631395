"""Partner API for commissions: the statement of a closed period with its lines
(paginated) and this period's estimate. Only ever the caller's own."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from commissions import selectors as commission_selectors
from qualification.periods import period_parse
from qualification.services import period_current_open

from .api import PartnerAPIMixin
from .serializers_earnings import EstimateSerializer, StatementSerializer


def _page_url(request, number: int | None, param: str = "page") -> str | None:
    if number is None:
        return None
    url = request.build_absolute_uri()
    if number == 1:
        return remove_query_param(url, param)
    return replace_query_param(url, param, number)


def _page_data(request, page, param: str, results: list) -> dict:
    return {
        "count": page.paginator.count,
        "page": page.number,
        "pages": page.paginator.num_pages,
        "next": _page_url(request, page.next_page_number() if page.has_next() else None, param),
        "previous": _page_url(
            request, page.previous_page_number() if page.has_previous() else None, param
        ),
        "results": results,
    }


def _rounding(page, amount, sentence: str) -> dict | None:
    """The rounding line of a list, on its last page (None on the others):
    the list's amounts plus it make the list's total."""
    if page.has_next():
        return None
    return {"amount": amount, "text": sentence}


@extend_schema(
    tags=["me"],
    parameters=[
        OpenApiParameter(
            "period",
            OpenApiTypes.STR,
            description="A closed month as YYYY-MM; default: your newest statement.",
            required=False,
        ),
        OpenApiParameter(
            "page", OpenApiTypes.INT, description="Page of the lines (50 each).", required=False
        ),
        OpenApiParameter(
            "orders_page",
            OpenApiTypes.INT,
            description="Page of the customer commission by order (50 each).",
            required=False,
        ),
    ],
    responses=StatementSerializer,
    summary="Your commission statement of a closed period, every line in words",
)
class CommissionsView(PartnerAPIMixin, APIView):
    def get(self, request):
        partner = self.partner
        label = request.query_params.get("period") or ""
        if label:
            try:
                start = period_parse(label)
            except DjangoValidationError as exc:
                raise exceptions.ValidationError({"period": list(exc.messages)}) from exc
        else:
            start = commission_selectors.statement_latest_start(partner=partner)
            if start is None:
                raise exceptions.NotFound(_("You have no statement yet."))
        detail = commission_selectors.statement_detail(
            partner=partner,
            period_start=start,
            page=request.query_params.get("page") or 1,
            orders_page=request.query_params.get("orders_page") or 1,
        )
        if detail is None:
            raise exceptions.NotFound(
                _("You have no statement for %(label)s (only closed periods have statements).")
                % {"label": f"{start:%Y-%m}"}
            )
        s = detail.statement
        page = detail.lines
        data = {
            "period": detail.period.label,
            "paid_as_rank": (
                {"level": s.paid_as_level, "name": s.paid_as_rank_name} if s.paid_as_level else None
            ),
            **{
                name: getattr(s, name)
                for name in (
                    "cv",
                    "customer_cv",
                    "own_cv",
                    "customer_commission",
                    "team_commission",
                    "advancement_bonus",
                    "total",
                    "carried_in",
                    "payout",
                    "carried_out",
                )
            },
            "carry_reason": detail.carry_sentence,
            "customer_orders": _page_data(
                request,
                detail.customer_orders,
                "orders_page",
                [
                    {
                        "order_number": row.order_number,
                        "text": row.sentence,
                        "cv": row.cv,
                        "percent": row.percent,
                        "amount": row.amount,
                    }
                    for row in detail.customer_orders.object_list
                ],
            ),
            "customer_rounding": _rounding(
                detail.customer_orders, detail.customer_rounding, detail.customer_rounding_sentence
            ),
            "team_rounding": _rounding(
                detail.lines, detail.team_rounding, detail.team_rounding_sentence
            ),
            "lines": {
                "count": page.paginator.count,
                "page": page.number,
                "pages": page.paginator.num_pages,
                "next": _page_url(request, page.next_page_number() if page.has_next() else None),
                "previous": _page_url(
                    request, page.previous_page_number() if page.has_previous() else None
                ),
                "results": [
                    {
                        "kind": row.line.kind,
                        "text": row.sentence,
                        "amount": row.line.amount,
                        "cv": row.line.cv,
                        "percent": row.line.percent,
                        "factor": row.line.factor,
                        # A skipped line: the generation its team line is paid at.
                        "generation": (
                            row.line.paid_generation
                            if row.line.kind == "skipped"
                            else row.line.generation
                        ),
                        "partner": row.line.source_partner,
                        "skipped_partner": row.line.skipped_partner,
                        "order_number": row.line.order.number if row.line.order_id else None,
                        "rank_name": row.line.rank_name or "",
                        "reason": row.line.reason or "",
                    }
                    for row in page.object_list
                ],
            },
        }
        return Response(StatementSerializer(data).data)


@extend_schema(
    tags=["me"],
    responses=EstimateSerializer,
    summary="An estimate of this period's commissions (the period is still open)",
)
class CommissionEstimateView(PartnerAPIMixin, APIView):
    def get(self, request):
        period = period_current_open()
        estimate = commission_selectors.estimate_for_partner(partner=self.partner, period=period)
        if estimate.computed_at is not None:
            local = timezone.localtime(estimate.computed_at)
            label = _("Estimate, computed on %(date)s at %(time)s") % {
                "date": formats.date_format(local, "SHORT_DATE_FORMAT"),
                "time": formats.time_format(local, "H:i"),
            }
        else:
            label = _("Estimate, not computed yet")
        data = {
            "period": period.label,
            "is_estimate": True,
            "computed_at": estimate.computed_at,
            "label": label,
            "customer_commission": estimate.customer_commission,
            "team_commission": estimate.team_commission,
            "advancement_bonus": estimate.advancement_bonus,
            "total": estimate.total,
            "carried_in": estimate.carried_in,
        }
        return Response(EstimateSerializer(data).data)
