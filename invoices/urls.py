from django.urls import path

from . import views

app_name = "invoices"

urlpatterns = [
    path("order/invoices/<str:token>/", views.documents, name="documents"),
    path("order/invoices/<str:token>/<str:number>.pdf", views.document_pdf, name="pdf"),
]
