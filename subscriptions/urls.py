from django.urls import path

from . import views

app_name = "subscriptions"

urlpatterns = [
    path("abo/", views.subscribe, name="subscribe"),
    path("abo/start/", views.start, name="start"),
    path("abo/kuendigen/", views.cancel, name="cancel"),
    path("abo/m/<str:key>/", views.manage, name="manage"),
]
