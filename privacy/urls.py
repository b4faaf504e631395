from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("export/", views.export_start, name="export_start"),
    path("export/<str:token>/", views.export_download, name="export_download"),
]
