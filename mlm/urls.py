from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from landing.views import language_switch

from .health import healthz, healthz_live

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("healthz/live", healthz_live, name="healthz_live"),
    # The public pages switch language by GET (their HTML has no form token).
    path("i18n/switch/", language_switch, name="language_switch"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/reports/", include("reports.urls")),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/", include("dashboard.api_urls")),
    # The company's order intake API (external shops); the partner API has /api/v1/me...
    path("api/v1/", include("orders.api_urls")),
    # The fulfilment API (the warehouse or 3PL): orders to ship out, parcels back in.
    path("api/v1/", include("fulfilment.api_urls")),
    path("dashboard/privacy/", include("privacy.urls")),
    path("dashboard/notifications/", include("notifications.urls")),
    path("dashboard/", include("dashboard.urls")),
    path("", include("partners.urls")),
    # Before orders: /order/invoices/<token>/ is not an order number.
    path("", include("invoices.urls")),
    path("", include("orders.urls")),
    path("", include("subscriptions.urls")),
    path("", include("returns.urls")),
    # Landing pages live at /<slug>/ and therefore come last.
    path("", include("landing.urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
