from django.urls import path

from . import views

app_name = "partners"

urlpatterns = [
    path("join/<str:sponsor_slug>/", views.join, name="join"),
]
