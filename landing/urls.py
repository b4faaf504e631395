import os

from django.urls import path

from . import views

app_name = "landing"

urlpatterns = [
    path("", views.home, name="home"),
    path("shop/", views.shop, name="shop"),
    path("shop/me/", views.visitor, name="shop_visitor"),
    path("shop/p/<int:pk>/", views.product, name="product"),
    path("shop/token/", views.form_token, name="form_token"),
    path("consent/", views.consent, name="consent"),
    path("impressum/", views.legal_page, {"page": "imprint"}, name="imprint"),
    path("datenschutz/", views.legal_page, {"page": "privacy"}, name="privacy"),
    path("agb/", views.legal_page, {"page": "terms"}, name="terms"),
    # Last: everything else at the top level is a partner's landing page.
    path("<slug:slug>/", views.partner_page, name="partner"),
    path("<slug:slug>/me/", views.visitor, name="visitor"),
    path("<slug:slug>/p/<int:pk>-<slug:name>/", views.partner_product, name="partner_product"),
    path("<slug:slug>/p/<int:pk>/", views.partner_product, name="partner_product_short"),
    path("<slug:slug>/c/<str:name>/", views.campaign_link, name="campaign"),
]

if os.environ.get("BENCH_BARE_VIEW") == "1":  # bench/landing.py only
    urlpatterns.insert(0, path("__bench__/bare/", views.bench_bare, name="bench_bare"))
