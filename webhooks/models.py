"""Outgoing webhooks (Standard Webhooks): endpoints, the outbox and its deliveries.

A Message is written in the same transaction as the business change it reports
(the outbox); one Delivery per subscribed endpoint carries the retry state, and
every HTTP try is an Attempt. The webhook id (`msg_...`) is the Message's and
stays the same on every attempt and replay, so receivers can deduplicate.
"""

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    ORDER_PAID = "order.paid", _("Order paid")
    ORDER_REFUNDED = "order.refunded", _("Order refunded")
    ORDER_REATTRIBUTED = "order.reattributed", _("Order re-attributed")
    ORDER_READY_TO_SHIP = "order.ready_to_ship", _("Order ready to ship")
    SHIPMENT_CREATED = "shipment.created", _("Parcel shipped")
    PARTNER_ENROLLED = "partner.enrolled", _("Partner enrolled")
    PARTNER_STATUS_CHANGED = "partner.status_changed", _("Partner status changed")
    PARTNER_RANK_CHANGED = "partner.rank_changed", _("Partner rank changed")
    PERIOD_CLOSED = "period.closed", _("Period closed")
    COMMISSION_STATEMENT_ISSUED = "commission.statement_issued", _("Commission statement issued")
    PAYOUT_PAID = "payout.paid", _("Payout paid")
    PAYOUT_RETURNED = "payout.returned", _("Payout returned")
    # Sent only by the admin's "send test event" action, to one endpoint.
    PING = "webhook.ping", _("Test event")


# What an admin can subscribe an endpoint to (the ping goes to one endpoint on request).
SUBSCRIBABLE_EVENTS = [
    (value, label) for value, label in EventType.choices if value != EventType.PING
]


class Endpoint(models.Model):
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    events = models.JSONField(_("events"), default=list, blank=True)
    # whsec_<base64>; the previous one still signs (a second signature) until the
    # rotation's overlap is over, so receivers can switch without losing events.
    secret = models.CharField(_("signing secret"), max_length=100, editable=False)
    previous_secret = models.CharField(max_length=100, blank=True, editable=False)
    rotated_at = models.DateTimeField(_("secret rotated at"), null=True, blank=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True, editable=False)
    disabled_reason = models.CharField(
        _("reason for disabling"), max_length=255, blank=True, editable=False
    )
    # Set by the first failed attempt after a success; a day of failures disables.
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self):
        return self.description or self.url

    def subscribes_to(self, event_type: str) -> bool:
        return event_type in (self.events or [])


class Message(models.Model):
    """One event in the outbox. The payload carries ids and amounts, no more
    personal data than the event needs."""

    webhook_id = models.CharField(_("webhook id"), max_length=40, unique=True)
    event_type = models.CharField(_("event"), max_length=40, choices=EventType.choices)
    payload = models.JSONField(_("payload"), encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")

    def __str__(self):
        return f"{self.event_type} {self.webhook_id}"


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SUCCEEDED = "succeeded", _("delivered")
        FAILED = "failed", _("failed")
        ABANDONED = "abandoned", _("abandoned (endpoint disabled)")

    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("event")
    )
    endpoint = models.ForeignKey(
        Endpoint, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("endpoint")
    )
    # A replay is a new delivery of the same message (same webhook id).
    replay_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replays",
        verbose_name=_("replay of"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    # A worker claims the delivery until then; a crashed worker's claim runs out.
    locked_until = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    last_response_status = models.PositiveSmallIntegerField(
        _("response code"), null=True, blank=True
    )
    succeeded_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["message", "endpoint"],
                condition=models.Q(replay_of__isnull=True),
                name="webhook_delivery_once_per_endpoint",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due"),
        ]

    def __str__(self):
        return f"{self.message.webhook_id} → {self.endpoint}"


class Attempt(models.Model):
    delivery = models.ForeignKey(
        Delivery, on_delete=models.CASCADE, related_name="attempt_log", verbose_name=_("delivery")
    )
    attempted_at = models.DateTimeField(_("attempted at"))
    response_status = models.PositiveSmallIntegerField(_("response code"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    error = models.CharField(_("error"), max_length=500, blank=True)
    response_excerpt = models.CharField(_("response"), max_length=500, blank=True)

    class Meta:
        ordering = ["attempted_at", "pk"]
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")

    def __str__(self):
        return f"{self.attempted_at:%Y-%m-%d %H:%M:%S} {self.response_status or self.error[:40]}"
