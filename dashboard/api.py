"""Read-only partner API (/api/v1/me...). Every endpoint answers about the
partner behind the session or the personal token, never anyone else."""

from __future__ import annotations

from types import SimpleNamespace

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, permissions
from rest_framework.authentication import SessionAuthentication
from rest_framework.response import Response
from rest_framework.views import APIView

from partners.api_auth import PartnerTokenAuthentication
from partners.models import ApiToken, Partner
from partners.selectors import partner_invite_url, partner_landing_url
from qualification.selectors import period_by_label
from qualification.services import period_current_open

from . import selectors
from .serializers import (
    MeSerializer,
    OrderSerializer,
    QualificationSerializer,
    TeamMemberSerializer,
)

PERIOD_PARAMETER = OpenApiParameter(
    "period",
    OpenApiTypes.STR,
    description="Month as YYYY-MM (company time zone); default: the current month.",
    required=False,
)


class IsPartner(permissions.BasePermission):
    """Signed in (session or token) and a partner whose account is not terminated."""

    message = gettext_lazy("This account is not a partner account.")

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        partner = _partner_of(request)
        return partner is not None and partner.status != Partner.Status.TERMINATED


def _partner_of(request) -> Partner | None:
    if not hasattr(request, "_api_partner"):
        auth = request.auth
        if isinstance(auth, ApiToken):
            partner = auth.partner  # loaded with the token
        else:
            partner = Partner.objects.select_related("sponsor").filter(user=request.user).first()
        request._api_partner = partner
    return request._api_partner


class PartnerAPIMixin:
    # Token first: its "WWW-Authenticate: Token" makes bad credentials a 401.
    authentication_classes = [PartnerTokenAuthentication, SessionAuthentication]
    permission_classes = [IsPartner]

    @property
    def partner(self) -> Partner:
        return _partner_of(self.request)

    def period_from_query(self):
        label = self.request.query_params.get("period")
        if label is None or label == "":
            return period_current_open()
        try:
            period = period_by_label(label)
        except DjangoValidationError as exc:
            raise exceptions.ValidationError({"period": exc.messages}) from exc
        if period is None:
            current = period_current_open()
            if current.label == label.strip():
                return current
            raise exceptions.NotFound(
                _("There are no results for period %(label)s.") % {"label": label}
            )
        return period


@extend_schema(tags=["me"], responses=MeSerializer, summary="Who am I")
class MeView(PartnerAPIMixin, APIView):
    def get(self, request):
        partner = self.partner
        data = SimpleNamespace(
            slug=partner.slug,
            full_name=partner.full_name,
            first_name=partner.first_name,
            last_name=partner.last_name,
            landing_url=partner_landing_url(partner=partner, request=request),
            invite_url=partner_invite_url(partner=partner, request=request),
            status=partner.status,
            sponsor=partner.sponsor,
        )
        return Response(MeSerializer(data).data)


@extend_schema(
    tags=["me"],
    parameters=[PERIOD_PARAMETER],
    responses=QualificationSerializer,
    summary="Volume, ranks and what is missing for the next rank",
)
class QualificationView(PartnerAPIMixin, APIView):
    def get(self, request):
        period = self.period_from_query()
        progress = selectors.qualification_progress(partner=self.partner, period=period)
        next_rank = None
        if progress.rank is not None:
            next_rank = {
                "level": progress.rank.level,
                "name": progress.rank.name,
                "requirements": [
                    {
                        "key": r.key,
                        "have": r.have,
                        "need": r.need,
                        "missing": r.missing,
                        "met": r.met,
                    }
                    for r in progress.requirements
                ],
            }
        data = {
            "period": period.label,
            "period_status": period.status,
            "days_left": progress.days_left,
            "pv": progress.pv,
            "customer_pv": progress.customer_pv,
            "own_pv": progress.own_pv,
            "gv": progress.gv,
            "paid_as_rank": (
                {"level": progress.paid_as_level, "name": progress.paid_as_name}
                if progress.paid_as_level
                else None
            ),
            "title_rank": (
                {"level": progress.title_level, "name": progress.title_name}
                if progress.title_level
                else None
            ),
            "next_rank": next_rank,
        }
        return Response(QualificationSerializer(data).data)


@extend_schema(
    tags=["me"],
    parameters=[
        OpenApiParameter(
            "level",
            OpenApiTypes.INT,
            description="Generation below you: 1 = your direct partners (default), 2 = theirs, ...",
            required=False,
        ),
        PERIOD_PARAMETER,
    ],
    summary="Your team, one generation at a time",
)
class TeamView(PartnerAPIMixin, generics.ListAPIView):
    serializer_class = TeamMemberSerializer

    def get_queryset(self):
        raw = self.request.query_params.get("level", "1")
        try:
            level = int(raw)
        except (TypeError, ValueError):
            level = None
        if level is None or level < 1 or level > 10_000:
            raise exceptions.ValidationError(
                {
                    "level": [
                        _("level must be a whole number of at least 1 (1 = your direct partners).")
                    ]
                }
            )
        period = self.period_from_query()
        partner = self.partner
        qs = selectors.team_level(partner=partner, period=period, level=level)
        self.level = level
        return qs

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        for member in page or []:
            member.level = self.level
        return page


@extend_schema(tags=["me"], summary="Orders attributed to you, newest first")
class OrdersView(PartnerAPIMixin, generics.ListAPIView):
    serializer_class = OrderSerializer

    def get_queryset(self):
        return selectors.partner_orders(partner=self.partner)
