from django.urls import path

from . import views

app_name = "returns"

urlpatterns = [
    path("widerruf/", views.withdraw, name="withdraw"),
    path("widerruf/bestaetigen/", views.withdraw_confirm, name="withdraw_confirm"),
]
