"""The company's order intake API (/api/v1/orders): the external shops
(Shopify, Shopware, WooCommerce) send their orders, payments and refunds.
Thin: every write is an orders service, attributed and booked exactly like an
order of the own shop. Keys: orders.api_auth; Idempotency-Key: orders.idempotency."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from .api_auth import CompanyApiKeyAuthentication, CompanyApiKeyThrottle, HasScope
from .attribution import Referral
from .idempotency import idempotent
from .models import CompanyApiKey, Order, OrderLine, Refund
from .serializers import (
    OrderCreateSerializer,
    OrderOutSerializer,
    PaymentInSerializer,
    RefundInSerializer,
    RefundOutSerializer,
    RefundResultSerializer,
)
from .services import (
    ExternalLine,
    external_id_for,
    order_external_place,
    order_external_prepare,
    order_mark_paid,
    order_refund,
)

READ, WRITE = CompanyApiKey.Scope.ORDERS_READ.value, CompanyApiKey.Scope.ORDERS_WRITE.value
FUTURE_TOLERANCE = timedelta(minutes=5)

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=True,
    description="A new unique value (e.g. a UUID) per request. Sending the same key with the same "
    "body again returns the first answer and changes nothing; with another body it is refused (422).",
)
ORDER_ID = OpenApiParameter(
    "id",
    OpenApiTypes.STR,
    location=OpenApiParameter.PATH,
    description="Our order number (e.g. 2026-K7Q4MX) or the shop's external_id.",
)
ERROR = OpenApiResponse(
    description='The problem, per field (`{"field": ["message"]}`) or as `detail`.'
)

ORDER_EXAMPLE_REQUEST = {
    "external_id": "1001",
    "customer": {
        "email": "karla@example.org",
        "first_name": "Karla",
        "last_name": "Kundin",
        "street": "Lindenweg 5",
        "postal_code": "10115",
        "city": "Berlin",
        "country": "DE",
    },
    "lines": [
        {"sku": "SOAP-01", "quantity": 2, "unit_price": "12.50"},
        {
            "sku": "GIFT-BOX",
            "name": "Gift box",
            "quantity": 1,
            "unit_price": "5.00",
            "vat_rate": "19.00",
            "qv": "0.00",
            "cv": "0.00",
        },
    ],
    "partner": "anna",
    "shipping": "4.90",
}
ORDER_EXAMPLE_RESPONSE = {
    "number": "2026-K7Q4MX",
    "external_id": "1001",
    "status": "pending",
    "currency": "EUR",
    "subtotal": "30.00",
    "shipping": "4.90",
    "total": "34.90",
    "vat_total": "5.57",
    "qv": "20.00",
    "cv": "21.01",
    "customer_email": "karla@example.org",
    "placed_at": "2026-11-30T17:00:00+01:00",
    "paid_at": None,
    "refunded_at": None,
    "payment_reference": "",
    "attribution": {
        "partner": "anna",
        "reason": "code",
        "explanation": "Partner code “anna” of the active partner anna.",
    },
    "lines": [
        {
            "id": 17,
            "sku": "SOAP-01",
            "name": "Seife",
            "quantity": 2,
            "refunded_quantity": 0,
            "unit_price": "12.50",
            "vat_rate": "19.00",
            "unit_qv": "10.00",
            "unit_cv": "10.50",
        }
    ],
    "refunds": [],
}


def _nested(errors: dict) -> dict:
    """ValidationError keys like "lines.0.qv" as DRF nests them: {"lines": {"0": {"qv": [...]}}}."""
    result: dict = {}
    for key, messages in errors.items():
        node = result
        *path, last = key.split(".")
        for part in path:
            node = node.setdefault(part, {})
        node[last] = messages
    return result


def _refused(exc: DjangoValidationError, code: int = status.HTTP_400_BAD_REQUEST) -> Response:
    if hasattr(exc, "error_dict"):
        return Response(_nested(exc.message_dict), status=code)
    return Response({"detail": " ".join(exc.messages)}, status=code)


def _not_in_future(value, field: str):
    if value is not None and value > timezone.now() + FUTURE_TOLERANCE:
        raise exceptions.ValidationError({field: [_("This time lies in the future.")]})
    return value


class IntakeView(APIView):
    authentication_classes = [CompanyApiKeyAuthentication]
    permission_classes = [HasScope]
    throttle_classes = [CompanyApiKeyThrottle]
    required_scopes = {"GET": READ, "POST": WRITE}

    @property
    def source(self) -> str:
        return self.request.auth.source

    def order_for(self, identifier: str) -> Order:
        """One of this source's orders, by our number or the shop's id."""
        orders = Order.objects.filter(external_id__startswith=f"{self.source}:").filter(
            Q(number=identifier)
            | Q(external_id=external_id_for(source=self.source, external_id=identifier))
        )
        order = orders.first()
        if order is None:
            raise exceptions.NotFound(_("This shop has no order “%(id)s”.") % {"id": identifier})
        return order

    @staticmethod
    def answer(order: Order) -> dict:
        order = (
            Order.objects.select_related("attributed_partner")
            .prefetch_related(
                Prefetch("lines", queryset=OrderLine.objects.order_by("pk")),
                Prefetch("refunds", queryset=Refund.objects.order_by("refunded_at", "pk")),
            )
            .get(pk=order.pk)
        )
        return OrderOutSerializer(order).data

    @staticmethod
    def answer_placed(order: Order, draft) -> dict:
        """The answer for an order just written, from what was written (the same
        as `answer` would read back: its lines in order, no refunds yet)."""
        return OrderOutSerializer(_Placed(order, lines=draft.lines)).data


class _Placed:
    """An order as OrderOutSerializer reads it, with the lines it was written with."""

    refunds: tuple = ()

    def __init__(self, order: Order, *, lines: list[OrderLine]):
        self._order = order
        self.lines = sorted(lines, key=lambda line: line.pk)

    def __getattr__(self, name):
        return getattr(self._order, name)


class OrderCreateView(IntakeView):
    @extend_schema(
        operation_id="orders_create",
        summary="Place an order of an external shop",
        description=(
            "Attributed by the same rules as the own checkout (customer's own order, bound customer, "
            "partner code, referral, none); the answer says which and why. The order is pending until "
            "its payment is booked (POST /api/v1/orders/{id}/payments); only paid orders count volume. "
            "A line's sku picks the catalogue product (name, VAT rate, QV and CV per unit unless sent); "
            "an sku not in the catalogue needs qv and cv. Prices and shipping are the shop's. "
            "Needs the scope orders:write."
        ),
        parameters=[IDEMPOTENCY_HEADER],
        request=OrderCreateSerializer,
        responses={
            201: OrderOutSerializer,
            400: ERROR,
            401: ERROR,
            403: ERROR,
            409: OpenApiResponse(
                description="An order with this external_id exists already, or a product is "
                "sold out (unless stock_kept_by_shop)."
            ),
            422: OpenApiResponse(
                description="Unknown, inactive or terminated partner code; or an Idempotency-Key "
                "reused for another request."
            ),
            429: OpenApiResponse(description="Too many requests for this key; see Retry-After."),
        },
        examples=[
            OpenApiExample(
                "Order with a partner code", value=ORDER_EXAMPLE_REQUEST, request_only=True
            ),
            OpenApiExample(
                "Placed", value=ORDER_EXAMPLE_RESPONSE, response_only=True, status_codes=["201"]
            ),
        ],
        tags=["orders (company)"],
    )
    @idempotent
    def post(self, request):
        serializer = OrderCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        referral = None
        if data.get("referral"):
            referral = Referral(
                slug=data["referral"]["slug"].strip().lower(), seen_at=data["referral"]["seen_at"]
            )
        placed_at = _not_in_future(data.get("placed_at"), "placed_at")
        lines = [
            ExternalLine(
                sku=line["sku"].strip(),
                name=line.get("name", ""),
                quantity=line["quantity"],
                unit_price=line["unit_price"],
                vat_rate=Decimal(line["vat_rate"]) if line.get("vat_rate") else None,
                qv=line.get("qv"),
                cv=line.get("cv"),
            )
            for line in data["lines"]
        ]
        try:
            draft = order_external_prepare(
                customer_data=data["customer"],
                lines=lines,
                partner_code=data["partner"],
                referral=referral,
                shipping=data["shipping"],
                language=data["language"],
                ignore_unknown_partner=data["ignore_unknown_partner"],
                invoiced_by_shop=data["invoiced_by_shop"],
                stock_kept_by_shop=data["stock_kept_by_shop"],
            )
        except DjangoValidationError as exc:
            unprocessable = set(exc.message_dict) == {"partner"}
            return _refused(exc, status.HTTP_422_UNPROCESSABLE_ENTITY if unprocessable else 400)
        try:  # one transaction with the Idempotency-Key's row (orders.idempotency)
            order = order_external_place(
                source=self.source,
                external_id=data["external_id"],
                draft=draft,
                placed_at=placed_at,
            )
        except DjangoValidationError as exc:
            if "cart" in exc.message_dict:  # a product sold out (orders.stock)
                sold_out = [m for k, v in exc.message_dict.items() if k != "cart" for m in v]
                return Response({"lines": sold_out}, status=status.HTTP_409_CONFLICT)
            duplicate = exc.error_dict.get("external_id", [None])[0]
            code = (
                status.HTTP_409_CONFLICT
                if duplicate is not None and duplicate.code == "duplicate"
                else 400
            )
            return _refused(exc, code)
        except IntegrityError:  # the same external id placed concurrently under another key
            return Response(
                {
                    "external_id": [
                        _("The order “%(id)s” of this shop exists already.")
                        % {"id": data["external_id"]}
                    ]
                },
                status=status.HTTP_409_CONFLICT,
            )
        return Response(self.answer_placed(order, draft), status=status.HTTP_201_CREATED)


class OrderDetailView(IntakeView):
    @extend_schema(
        operation_id="orders_retrieve",
        summary="An order of this shop, with its attribution",
        description="Needs the scope orders:read.",
        parameters=[ORDER_ID],
        responses={200: OrderOutSerializer, 401: ERROR, 403: ERROR, 404: ERROR},
        tags=["orders (company)"],
    )
    def get(self, request, id):
        return Response(self.answer(self.order_for(id)))


class OrderPaymentView(IntakeView):
    @extend_schema(
        operation_id="orders_payments_create",
        summary="Book the payment of an order",
        description=(
            "The order becomes paid and its volume (QV, CV) counts in the period of paid_at, once. "
            "The same reference again answers with the order and changes nothing. Needs orders:write."
        ),
        parameters=[ORDER_ID, IDEMPOTENCY_HEADER],
        request=PaymentInSerializer,
        responses={
            200: OrderOutSerializer,
            400: ERROR,
            404: ERROR,
            409: ERROR,
            422: ERROR,
            429: ERROR,
        },
        examples=[
            OpenApiExample(
                "Paid",
                value={
                    "reference": "shopify-pay-88123",
                    "paid_at": "2026-11-30T17:05:00+01:00",
                    "amount": "34.90",
                },
                request_only=True,
            )
        ],
        tags=["orders (company)"],
    )
    @idempotent
    def post(self, request, id):
        serializer = PaymentInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        paid_at = _not_in_future(data.get("paid_at"), "paid_at")
        order = self.order_for(id)
        reference = data["reference"].strip()
        if order.payment_reference == reference and order.paid_at is not None:
            return Response(self.answer(order))  # this payment is booked already
        if "amount" in data and data["amount"] != order.total:
            raise exceptions.ValidationError(
                {
                    "amount": [
                        _("The amount must be the order's total, %(total)s.")
                        % {"total": order.total}
                    ]
                }
            )
        try:
            order = order_mark_paid(order=order, paid_at=paid_at, payment_reference=reference)
        except DjangoValidationError as exc:
            return _refused(exc, status.HTTP_409_CONFLICT)
        return Response(self.answer(order))


class OrderRefundView(IntakeView):
    @extend_schema(
        operation_id="orders_refunds_create",
        summary="Book a refund (everything open, or chosen lines)",
        description=(
            "Takes back the volume of what is refunded, once. Without lines everything still open is "
            "refunded (with the shipping fee) and the order becomes refunded. The same reference again "
            "answers with the first refund and changes nothing. Needs orders:write."
        ),
        parameters=[ORDER_ID, IDEMPOTENCY_HEADER],
        request=RefundInSerializer,
        responses={
            201: RefundResultSerializer,
            200: RefundResultSerializer,
            400: ERROR,
            404: ERROR,
            409: ERROR,
            422: ERROR,
            429: ERROR,
        },
        examples=[
            OpenApiExample(
                "One item back",
                value={
                    "reference": "refund-5531",
                    "reason": "damaged",
                    "lines": [{"sku": "SOAP-01", "quantity": 1}],
                },
                request_only=True,
            )
        ],
        tags=["orders (company)"],
    )
    @idempotent
    def post(self, request, id):
        serializer = RefundInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        refunded_at = _not_in_future(data.get("refunded_at"), "refunded_at")
        order = self.order_for(id)
        reference = data["reference"].strip()
        if reference:
            booked = order.refunds.filter(provider_reference=reference).first()
            if booked is not None:
                return Response(
                    {"refund": RefundOutSerializer(booked).data, "order": self.answer(order)}
                )
        quantities = None
        if data.get("lines"):
            quantities = self.quantities(order, data["lines"])
        try:
            refund = order_refund(
                order=order,
                quantities=quantities,
                reason=data["reason"],
                refunded_at=refunded_at,
                provider_reference=reference,
            )
        except DjangoValidationError as exc:
            return _refused(exc, status.HTTP_409_CONFLICT)
        return Response(
            {"refund": RefundOutSerializer(refund).data, "order": self.answer(order)},
            status=status.HTTP_201_CREATED,
        )

    @staticmethod
    def quantities(order: Order, lines: list[dict]) -> dict[int, int]:
        order_lines = list(order.lines.order_by("pk"))
        by_id = {line.pk: line for line in order_lines}
        result: dict[int, int] = {}
        errors: dict = {}
        for n, wanted in enumerate(lines):
            if wanted.get("line_id") is not None:
                line = by_id.get(wanted["line_id"])
            elif wanted.get("sku"):
                matches = [line for line in order_lines if line.sku == wanted["sku"].strip()]
                if len(matches) > 1:
                    errors[str(n)] = {
                        "sku": [_("Several lines have this sku: please give line_id.")]
                    }
                    continue
                line = matches[0] if matches else None
            else:
                errors[str(n)] = {"line_id": [_("Please give line_id or sku.")]}
                continue
            if line is None:
                errors[str(n)] = {"line_id": [_("This order has no such line.")]}
                continue
            result[line.pk] = result.get(line.pk, 0) + wanted["quantity"]
        if errors:
            raise exceptions.ValidationError({"lines": errors})
        return result
