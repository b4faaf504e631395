"""The fulfilment API, mounted at /api/v1/ beside the order intake API."""

from django.urls import path

from . import api

app_name = "fulfilment_api"

urlpatterns = [
    path("shipments/ready", api.ReadyToShipView.as_view(), name="ready"),
    path("shipments", api.TrackingImportView.as_view(), name="shipments"),
]
