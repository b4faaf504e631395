"""Parcels: an order ships in one or more shipments, each with some of its lines."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from orders.models import Order, OrderLine

from .carriers import Carrier, tracking_url


class Shipment(models.Model):
    """One parcel of an order: carrier, tracking number, when it left the
    warehouse and (when the carrier says so) when it was delivered."""

    class Source(models.TextChoices):
        ADMIN = "admin", _("admin")
        IMPORT = "import", _("tracking file")
        API = "api", _("fulfilment API")

    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="shipments", verbose_name=_("order")
    )
    carrier = models.CharField(_("carrier"), max_length=10, choices=Carrier.choices)
    tracking_number = models.CharField(_("tracking number"), max_length=64)
    shipped_on = models.DateField(_("shipped on"))
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)
    source = models.CharField(
        _("entered by"), max_length=10, choices=Source.choices, default=Source.ADMIN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    # The customer's shipping e-mail: owed while empty (sent after commit, or by the sweep).
    mail_sent_at = models.DateTimeField(_("shipping e-mail sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-shipped_on", "-pk"]
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        constraints = [
            # A tracking number names one parcel: importing it again changes nothing.
            models.UniqueConstraint(
                fields=["carrier", "tracking_number"], name="shipment_tracking_once"
            ),
            models.CheckConstraint(
                condition=models.Q(delivered_on__isnull=True)
                | models.Q(delivered_on__gte=models.F("shipped_on")),
                name="shipment_delivered_after_shipped",
            ),
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(mail_sent_at__isnull=True),
                name="shipment_mail_unsent",
            )
        ]

    def __str__(self):
        return f"{self.get_carrier_display()} {self.tracking_number}"

    def tracking_url(self, language: str = "de") -> str:
        return tracking_url(
            carrier=self.carrier, tracking_number=self.tracking_number, language=language
        )


class ShipmentLine(models.Model):
    shipment = models.ForeignKey(
        Shipment, on_delete=models.CASCADE, related_name="lines", verbose_name=_("shipment")
    )
    order_line = models.ForeignKey(
        OrderLine,
        on_delete=models.PROTECT,
        related_name="shipment_lines",
        verbose_name=_("order line"),
    )
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["pk"]
        verbose_name = _("parcel line")
        verbose_name_plural = _("parcel lines")
        constraints = [
            models.UniqueConstraint(fields=["shipment", "order_line"], name="shipment_line_once"),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1), name="shipment_line_quantity_positive"
            ),
        ]

    def __str__(self):
        return f"{self.quantity} x {self.order_line_id}"
