from django.urls import path

from . import views

app_name = "partners"

# Top-level prefixes used here ("join", "partner") are in mlm/reserved_paths.py.
urlpatterns = [
    path("join/<str:sponsor_slug>/", views.join, name="join"),
    path("partner/welcome/", views.welcome, name="welcome"),
    path("partner/slug-check/", views.slug_check, name="slug_check"),
    path("partner/terms/", views.terms, name="terms"),
]
