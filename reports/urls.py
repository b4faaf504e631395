from django.contrib import admin
from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", admin.site.admin_view(views.index), name="index"),
    path("income/", admin.site.admin_view(views.income_disclosure), name="income_disclosure"),
    path("customer-share/", admin.site.admin_view(views.customer_share), name="customer_share"),
    path("revenue/", admin.site.admin_view(views.revenue), name="revenue"),
    path("returns/", admin.site.admin_view(views.returns), name="returns"),
    path("oss/", admin.site.admin_view(views.oss), name="oss"),
]
