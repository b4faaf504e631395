from django.urls import path

from . import views

app_name = "orders"

urlpatterns = [
    path("cart/", views.cart, name="cart"),
    path("cart/add/", views.cart_add, name="cart_add"),
    path("cart/update/", views.cart_update, name="cart_update"),
    path("checkout/", views.checkout, name="checkout"),
    path("checkout/review/", views.review, name="review"),
    path("checkout/place/", views.place, name="place"),
    path("order/<str:number>/", views.confirmation, name="confirmation"),
    path("order/<str:number>/pay/", views.pay, name="pay"),
    path("webhooks/stripe/", views.stripe_webhook, name="stripe_webhook"),
]
