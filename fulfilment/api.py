"""The fulfilment API for a warehouse or 3PL (docs/api.md, "Fulfilment"): the
orders ready to ship out, the parcels and tracking numbers back in. A company
API key with the scope "shipments" (orders.api_auth). Thin: the same export and
import as manage.py export_shipments / import_tracking."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from orders.api_auth import CompanyApiKeyAuthentication, CompanyApiKeyThrottle, HasScope
from orders.models import CompanyApiKey
from partners.csvio import CsvImportError

from .carriers import Carrier
from .exchange import order_to_ship_data, tracking_import_json
from .selectors import orders_ready_to_ship, orders_to_ship

SCOPE = CompanyApiKey.Scope.SHIPMENTS.value
READY_LIMIT_MAX = 1000
PARCELS_MAX = 10_000


class ShipToSerializer(serializers.Serializer):
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    company_name = serializers.CharField()
    street = serializers.CharField()
    postal_code = serializers.CharField()
    city = serializers.CharField()
    country = serializers.CharField()
    email = serializers.CharField()


class LineToShipSerializer(serializers.Serializer):
    item = serializers.CharField(help_text="The SKU, or #<line id> for a line without one.")
    sku = serializers.CharField()
    name = serializers.CharField()
    quantity = serializers.IntegerField(help_text="Still to ship.")


class OrderToShipSerializer(serializers.Serializer):
    order_number = serializers.CharField()
    paid_at = serializers.DateTimeField(allow_null=True)
    language = serializers.CharField()
    ship_to = ShipToSerializer()
    lines = LineToShipSerializer(many=True)


class ReadyOutSerializer(serializers.Serializer):
    orders = OrderToShipSerializer(many=True)


class ParcelLineSerializer(serializers.Serializer):
    item = serializers.CharField(max_length=64)
    quantity = serializers.IntegerField(min_value=1, max_value=100_000)


class ParcelInSerializer(serializers.Serializer):
    order_number = serializers.CharField(max_length=32)
    carrier = serializers.ChoiceField(choices=Carrier.values)
    tracking_number = serializers.CharField(max_length=64)
    lines = ParcelLineSerializer(
        many=True, required=False, help_text="Empty or left out: everything still to ship."
    )
    shipped_on = serializers.DateField(required=False, help_text="Default: today.")
    delivered_on = serializers.DateField(required=False, allow_null=True)


class TrackingInSerializer(serializers.Serializer):
    parcels = ParcelInSerializer(many=True, allow_empty=False, max_length=PARCELS_MAX)


class TrackingResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    delivered = serializers.IntegerField()
    orders_shipped = serializers.IntegerField()


class ParcelProblemSerializer(serializers.Serializer):
    parcel = serializers.IntegerField(help_text="Position in parcels, from 1.")
    field = serializers.CharField()
    message = serializers.CharField()


class TrackingRefusedSerializer(serializers.Serializer):
    problems = ParcelProblemSerializer(many=True)


class FulfilmentView(APIView):
    authentication_classes = [CompanyApiKeyAuthentication]
    permission_classes = [HasScope]
    throttle_classes = [CompanyApiKeyThrottle]
    required_scopes = {"GET": SCOPE, "POST": SCOPE}


class ReadyToShipView(FulfilmentView):
    @extend_schema(
        operation_id="shipments_ready",
        summary="The orders ready to ship",
        description=(
            "Paid orders with goods not yet in a parcel, oldest payment first, with the address "
            "and what is still to ship per line. Orders drop off the list once their parcels are "
            "sent (POST /api/v1/shipments). Needs the scope shipments."
        ),
        parameters=[
            OpenApiParameter(
                "limit", int, description=f"At most this many orders (1 to {READY_LIMIT_MAX})."
            )
        ],
        responses={
            200: ReadyOutSerializer,
            400: OpenApiResponse(),
            401: OpenApiResponse(),
            403: OpenApiResponse(),
        },
        tags=["fulfilment (company)"],
    )
    def get(self, request):
        try:
            limit = int(request.query_params.get("limit", READY_LIMIT_MAX))
        except ValueError:
            limit = 0
        if not 1 <= limit <= READY_LIMIT_MAX:
            return Response(
                {"limit": [f"1 to {READY_LIMIT_MAX}"]}, status=status.HTTP_400_BAD_REQUEST
            )
        ready = orders_ready_to_ship()
        orders = []
        for entry in orders_to_ship(orders=ready[: limit * 2]):
            orders.append(order_to_ship_data(entry))
            if len(orders) == limit:
                break
        return Response(ReadyOutSerializer({"orders": orders}).data)


class TrackingImportView(FulfilmentView):
    @extend_schema(
        operation_id="shipments_create",
        summary="Send parcels and tracking numbers",
        description=(
            "The parcels that left the warehouse (or their delivery dates). All or nothing: one "
            "bad parcel refuses the request (400, every problem listed). Safe to repeat: a "
            "parcel whose carrier and tracking number are known (same order and lines) is left "
            "alone, a delivery date may be added. An order whose goods are all in parcels "
            "becomes shipped and its customer gets the tracking link. Needs the scope shipments."
        ),
        request=TrackingInSerializer,
        responses={
            200: TrackingResultSerializer,
            400: TrackingRefusedSerializer,
            401: OpenApiResponse(),
            403: OpenApiResponse(),
        },
        tags=["fulfilment (company)"],
    )
    def post(self, request):
        serializer = TrackingInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        parcels = [
            {
                **parcel,
                "lines": [
                    {"item": line["item"], "quantity": line["quantity"]}
                    for line in parcel.get("lines") or []
                ],
            }
            for parcel in serializer.validated_data["parcels"]
        ]
        try:
            result = tracking_import_json(parcels)
        except CsvImportError as exc:
            problems = [
                {"parcel": p.line, "field": p.column, "message": p.message} for p in exc.problems
            ]
            return Response({"problems": problems}, status=status.HTTP_400_BAD_REQUEST)
        return Response(
            TrackingResultSerializer(
                {
                    "created": result.created,
                    "unchanged": result.unchanged,
                    "delivered": result.delivered,
                    "orders_shipped": result.orders_shipped,
                }
            ).data
        )
