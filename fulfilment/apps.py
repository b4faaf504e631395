from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FulfilmentConfig(AppConfig):
    name = "fulfilment"
    verbose_name = _("Shipping")

    def ready(self):
        from orders.stock import shipped_counter_register

        from . import receivers  # noqa: F401
        from .services import shipped_quantities

        # A refund before shipping gives back only what is not in a parcel yet.
        shipped_counter_register(shipped_quantities)
