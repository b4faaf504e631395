"""The company's order intake API, mounted at /api/v1/ next to the partner API (/api/v1/me...)."""

import os

from django.urls import path

from . import api

app_name = "intake"

urlpatterns = [
    path("orders", api.OrderCreateView.as_view(), name="orders"),
    path("orders/<str:id>", api.OrderDetailView.as_view(), name="order"),
    path("orders/<str:id>/payments", api.OrderPaymentView.as_view(), name="order_payments"),
    path("orders/<str:id>/refunds", api.OrderRefundView.as_view(), name="order_refunds"),
]

if os.environ.get("BENCH_BARE_VIEW") == "1":  # bench/intake.py only
    from .api_bench import BareInsertView

    urlpatterns.insert(0, path("__bench__/bare", BareInsertView.as_view(), name="bench_bare"))
