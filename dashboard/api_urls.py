from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from . import api, api_earnings

app_name = "api"

urlpatterns = [
    path("v1/me", api.MeView.as_view(), name="me"),
    path("v1/me/qualification", api.QualificationView.as_view(), name="me_qualification"),
    path("v1/me/team", api.TeamView.as_view(), name="me_team"),
    path("v1/me/orders", api.OrdersView.as_view(), name="me_orders"),
    path("v1/me/commissions", api_earnings.CommissionsView.as_view(), name="me_commissions"),
    path(
        "v1/me/commissions/estimate",
        api_earnings.CommissionEstimateView.as_view(),
        name="me_commission_estimate",
    ),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
]
