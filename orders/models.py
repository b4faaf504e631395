"""The orders app's tables: products and their images, customers, orders with
their lines, transitions and events, refunds, mails, payment webhooks, partner-code
benefits, the intake API's keys and idempotency keys.

Why one module of about 600 lines: the order, its lines, events and refunds
reference one another and share the money fields; the checks and indexes of
one table often name another's.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from partners.models import Partner, PartnerChangeLog

from .images import variant_name
from .taxes import TaxClass, home_rate, tax_class_for_home_rate
from .validators import COUNTRIES

ZERO = Decimal("0")


def money_field(verbose_name, **kwargs):
    return models.DecimalField(verbose_name, max_digits=12, decimal_places=2, **kwargs)


def volume_field(verbose_name, **kwargs):
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, **kwargs)


class Product(models.Model):
    TaxClass = TaxClass

    name = models.CharField(_("name"), max_length=200)
    # The article number external shops send (order intake API); optional, unique.
    sku = models.CharField(_("SKU"), max_length=64, unique=True, null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    image = models.ImageField(_("image"), upload_to="products/", blank=True)
    # Written with the WebP copies of the image (orders.images): what srcset,
    # width and height of the pages need, without opening a file per request.
    image_width = models.PositiveIntegerField(_("image width"), null=True, blank=True)
    image_height = models.PositiveIntegerField(_("image height"), null=True, blank=True)
    image_widths = models.JSONField(_("image copies (widths)"), default=list, blank=True)
    price = money_field(_("gross price"), validators=[MinValueValidator(Decimal("0.01"))])
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    # The VAT rate follows the class and the destination country (orders.taxes).
    tax_class = models.CharField(
        _("tax class"),
        max_length=10,
        choices=TaxClass.choices,
        default=TaxClass.STANDARD,
        help_text=_(
            "Standard or reduced rate (food, teas, supplements: reduced). The rate "
            "itself follows the country the order is delivered to."
        ),
    )
    qv = volume_field(
        _("qualifying volume (QV)"), default=ZERO, validators=[MinValueValidator(ZERO)]
    )
    # Commissionable value per unit (commissions.md 1): proposed as the net
    # price when a product is created (product_cv_proposed), editable.
    cv = money_field(
        _("commissionable value (CV)"), default=ZERO, validators=[MinValueValidator(ZERO)]
    )
    # Units in the warehouse that can still be sold; empty: not tracked (always
    # available). Reserved at order placement by orders.stock, never below 0.
    stock = models.PositiveIntegerField(
        _("stock"),
        null=True,
        blank=True,
        help_text=_("Units that can still be sold. Leave empty if stock is not tracked."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = [
            models.CheckConstraint(condition=models.Q(qv__gte=0), name="product_qv_not_negative"),
            models.CheckConstraint(condition=models.Q(cv__gte=0), name="product_cv_not_negative"),
            models.CheckConstraint(condition=models.Q(price__gt=0), name="product_price_positive"),
            models.CheckConstraint(
                condition=models.Q(stock__isnull=True) | models.Q(stock__gte=0),
                name="product_stock_not_negative",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def vat_rate(self) -> Decimal:
        """The German rate of the product's class (what its page shows)."""
        return home_rate(self.tax_class)

    @vat_rate.setter
    def vat_rate(self, value) -> None:
        self.tax_class = tax_class_for_home_rate(value)

    @property
    def image_srcset(self) -> str:
        """ "…-320w.webp 320w, …-640w.webp 640w" for the copies written (empty
        for an image stored before copies existed: the page uses the master)."""
        if not self.image or not self.image_widths:
            return ""
        url = self.image.storage.url
        return ", ".join(f"{url(variant_name(self.image.name, w))} {w}w" for w in self.image_widths)

    @property
    def image_src(self) -> str:
        """The fallback source: a mid-sized copy, else the master."""
        if not self.image:
            return ""
        if self.image_widths:
            mid = [w for w in self.image_widths if w <= 640] or self.image_widths
            return self.image.storage.url(variant_name(self.image.name, max(mid)))
        return self.image.url


class Customer(models.Model):
    """Someone who orders, identified by e-mail; no account needed."""

    email = models.EmailField(_("e-mail"), unique=True)  # stored normalised (lower, stripped)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    bound_partner = models.ForeignKey(
        Partner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bound_customers",
        verbose_name=_("bound to partner"),
    )
    bound_at = models.DateTimeField(_("bound at"), null=True, blank=True)
    pseudonymised_at = models.DateTimeField(_("pseudonymised at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["email"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self):
        return self.email


class CustomerBindingChange(PartnerChangeLog):
    """Audit of a customer re-bound by an admin or by a partner's termination."""

    customer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        related_name="binding_changes",
        verbose_name=_("customer"),
    )

    class Meta(PartnerChangeLog.Meta):
        verbose_name = _("binding change")
        verbose_name_plural = _("binding changes")

    def __str__(self):
        return f"{self.customer} ({self.created_at:%Y-%m-%d})"


class Order(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        PAID = "paid", _("paid")
        SHIPPED = "shipped", _("shipped")
        CANCELLED = "cancelled", _("cancelled")
        REFUNDED = "refunded", _("refunded")

    class Attribution(models.TextChoices):
        SELF = "self", _("own order of the partner")
        BOUND = "bound", _("customer bound to the partner")
        CODE = "code", _("partner code at checkout")
        LANDING = "landing", _("landing page visit")
        COOKIE = "cookie", _("referral cookie")
        IMPORT = "import", _("imported")
        ADMIN = "admin", _("set by an admin")
        NONE = "none", _("no partner (company)")

    class PaymentMethod(models.TextChoices):
        PREPAYMENT = "prepayment", _("bank transfer (prepayment / invoice)")
        STRIPE = "stripe", _("card, Apple Pay, Google Pay (Stripe)")
        PAYPAL = "paypal", _("PayPal (Stripe)")
        KLARNA = "klarna", _("Klarna (Stripe)")
        EXTERNAL = "external", _("external shop")
        # Collected by the company from a SEPA mandate (payouts.OrderDebit).
        DIRECT_DEBIT = "direct_debit", _("SEPA direct debit")

    number = models.CharField(_("order number"), max_length=32, unique=True)
    external_id = models.CharField(
        _("external id"), max_length=100, unique=True, null=True, blank=True
    )
    checkout_token = models.CharField(max_length=64, unique=True, null=True, blank=True)
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="orders", verbose_name=_("customer")
    )
    email = models.EmailField(_("e-mail"))
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    street = models.CharField(_("street and number"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, default="DE")
    # A business customer (optional at checkout): the invoice names the company and
    # its VAT id, and carries the EN 16931 e-invoice.
    company_name = models.CharField(_("company"), max_length=200, blank=True)
    vat_id = models.CharField(_("VAT id"), max_length=20, blank=True)
    # An external shop may invoice its order itself (intake API): then we issue none.
    invoiced_by_shop = models.BooleanField(_("invoiced by the shop"), default=False)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    subtotal = money_field(_("subtotal"), default=ZERO)
    shipping = money_field(_("shipping"), default=ZERO)
    total = money_field(_("total"), default=ZERO)
    vat_total = money_field(_("included VAT"), default=ZERO)
    qv = volume_field(_("QV"), default=ZERO)
    cv = money_field(_("CV"), default=ZERO)
    attributed_partner = models.ForeignKey(
        Partner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attributed_orders",
        verbose_name=_("attributed partner"),
    )
    attribution = models.CharField(
        _("attribution"), max_length=10, choices=Attribution.choices, default=Attribution.NONE
    )
    # What the checkout saw, so "why is this order Anna's?" has an answer.
    referral_code = models.CharField(_("code entered"), max_length=40, blank=True)
    referral_slug = models.CharField(_("referring landing page"), max_length=40, blank=True)
    # Which of the attributed partner's links brought the order (their campaign),
    # and the utm_* tags of the link the customer came through.
    campaign = models.CharField(_("campaign"), max_length=40, blank=True)
    # NULL when none (bulk writers fill new columns with their defaults).
    utm = models.JSONField(_("utm parameters"), null=True, blank=True)
    # The customer benefit of a partner code (orders.pricing): the goods' price and
    # CV are lowered by discount_percent, the QV never.
    discount_percent = models.DecimalField(
        _("discount (%)"), max_digits=5, decimal_places=2, default=ZERO
    )
    discount = money_field(_("discount"), default=ZERO)
    payment_method = models.CharField(
        _("payment"), max_length=12, choices=PaymentMethod.choices, default=PaymentMethod.PREPAYMENT
    )
    payment_reference = models.CharField(
        _("payment reference"), max_length=255, blank=True, db_index=True
    )
    # The language the customer ordered in, so e-mails about the order speak it too.
    language = models.CharField(_("language"), max_length=8, blank=True)
    placed_at = models.DateTimeField(_("placed at"))
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    refunded_at = models.DateTimeField(_("refunded at"), null=True, blank=True)
    # Money the provider collected after the order was cancelled (the customer paid
    # on Stripe's page while an admin cancelled): it is owed back (one admin action).
    late_payment_reference = models.CharField(
        _("payment after cancellation"), max_length=255, blank=True
    )
    late_payment_amount = money_field(_("amount paid after cancellation"), null=True, blank=True)
    late_payment_received_at = models.DateTimeField(
        _("paid after cancellation at"), null=True, blank=True
    )
    late_payment_refunded_at = models.DateTimeField(
        _("payment after cancellation refunded at"), null=True, blank=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-placed_at"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        indexes = [
            models.Index(fields=["attributed_partner", "-placed_at"], name="order_partner_placed"),
            models.Index(fields=["status", "-placed_at"], name="order_status_placed"),
            models.Index(
                fields=["attributed_partner", "campaign", "-placed_at"],
                name="order_partner_campaign",
                condition=~models.Q(campaign=""),
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(qv__gte=0), name="order_qv_not_negative"),
        ]

    def __str__(self):
        return self.number

    @property
    def country_name(self) -> str:
        """Pages and e-mails show the country's name ("Germany"), not its code."""
        found = COUNTRIES.get(self.country)
        return str(found[0]) if found else self.country

    @property
    def needs_attention(self) -> bool:
        """Money was collected for this cancelled order and not yet given back."""
        return bool(self.late_payment_reference) and self.late_payment_refunded_at is None


class OrderLine(models.Model):
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="lines", verbose_name=_("order")
    )
    product = models.ForeignKey(
        Product,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("product"),
    )
    # Copied at ordering time: later product edits never change past orders.
    name = models.CharField(_("name"), max_length=200)
    sku = models.CharField(_("SKU"), max_length=64, blank=True)
    unit_price = money_field(_("unit price"))
    vat_rate = models.DecimalField(_("VAT rate"), max_digits=5, decimal_places=2)
    unit_qv = volume_field(_("unit QV"))
    unit_cv = money_field(_("unit CV"), default=ZERO)
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    refunded_quantity = models.PositiveIntegerField(_("refunded quantity"), default=0)
    # The line took its quantity from the product's stock (orders.stock): given
    # back when the order is cancelled or the goods come back.
    stock_reserved = models.BooleanField(_("stock reserved"), default=False, db_default=False)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1), name="line_quantity_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(refunded_quantity__lte=models.F("quantity")),
                name="line_refund_within_quantity",
            ),
        ]

    def __str__(self):
        return f"{self.quantity} x {self.name}"

    @property
    def line_total(self) -> Decimal:
        return self.unit_price * self.quantity

    @property
    def line_qv(self) -> Decimal:
        return self.unit_qv * self.quantity

    @property
    def line_cv(self) -> Decimal:
        return self.unit_cv * self.quantity


class OrderTransition(models.Model):
    """History of status changes, shown on the order in the admin."""

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="transitions", verbose_name=_("order")
    )
    from_status = models.CharField(
        _("previous status"), max_length=12, choices=Order.Status.choices, blank=True
    )
    to_status = models.CharField(_("new status"), max_length=12, choices=Order.Status.choices)
    note = models.CharField(_("note"), max_length=255, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")

    def __str__(self):
        return f"{self.get_from_status_display() or '–'} → {self.get_to_status_display()}"


class Refund(models.Model):
    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("order")
    )
    amount = money_field(_("amount"))
    qv = volume_field(_("QV"))
    cv = money_field(_("CV"), default=ZERO)
    is_full = models.BooleanField(_("full refund"), default=False)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    provider_reference = models.CharField(
        _("payment provider reference"), max_length=255, blank=True
    )
    refunded_at = models.DateTimeField(_("refunded at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["refunded_at", "pk"]
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")

    def __str__(self):
        return f"{self.order_id}: {self.amount}"


class RefundLine(models.Model):
    refund = models.ForeignKey(Refund, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="refund_lines")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])

    def __str__(self):
        return f"{self.quantity} x {self.order_line_id}"


class AttributionChange(PartnerChangeLog):
    """Audit of an admin re-attributing an order."""

    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="attribution_changes", verbose_name=_("order")
    )

    class Meta(PartnerChangeLog.Meta):
        verbose_name = _("attribution change")
        verbose_name_plural = _("attribution changes")

    def __str__(self):
        return f"{self.order_id}: {self.from_partner_id} -> {self.to_partner_id}"


class OrderEvent(models.Model):
    """Append-only record of what happened to an order's volume. The
    qualification app consumes these (see orders/events.py)."""

    class Kind(models.TextChoices):
        PAID = "paid", _("paid")
        REFUNDED = "refunded", _("refunded")
        REATTRIBUTED = "reattributed", _("re-attributed")

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=14, choices=Kind.choices)
    # Unique per order: "paid", "refund:<id>", "reattribution:<id>".
    key = models.CharField(max_length=64)
    occurred_at = models.DateTimeField()
    refund = models.ForeignKey(
        Refund, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    attribution_change = models.ForeignKey(
        AttributionChange, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["order", "key"], name="order_event_once")]

    def __str__(self):
        return f"{self.order_id}:{self.key}"


class OrderMail(models.Model):
    """Outbox of the mails an order owes its customer. Written in the order's
    transaction; sent by a task after commit, or by the periodic sweep when the
    broker could not take that task (orders/tasks.py)."""

    class Kind(models.TextChoices):
        CONFIRMATION = "confirmation", _("order confirmation")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="mails")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("order mail")
        verbose_name_plural = _("order mails")
        constraints = [models.UniqueConstraint(fields=["order", "kind"], name="order_mail_once")]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(sent_at__isnull=True),
                name="order_mail_unsent",
            )
        ]

    def __str__(self):
        return f"{self.order_id}:{self.kind}"


class PaymentWebhookEvent(models.Model):
    """Provider events already handled: Stripe sends events twice and late."""

    provider = models.CharField(max_length=20)
    event_id = models.CharField(max_length=255)
    event_type = models.CharField(max_length=100)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="webhook_event_once")
        ]

    def __str__(self):
        return f"{self.provider}:{self.event_id}"


class CompanyApiKey(models.Model):
    """A key of one of the company's external shops for the order intake API
    (/api/v1/orders). Only the SHA-256 of the secret is stored; the secret is
    shown once, when an admin creates the key."""

    class Scope(models.TextChoices):
        ORDERS_WRITE = "orders:write", _("create orders, book payments and refunds")
        ORDERS_READ = "orders:read", _("read orders")
        # The warehouse or 3PL (fulfilment API): orders to ship out, parcels back in.
        SHIPMENTS = "shipments", _("read the orders to ship, send parcels and tracking numbers")

    name = models.CharField(_("name"), max_length=100)
    # The shop the key belongs to: external order ids are unique per source, so a
    # new key for the same shop (rotation) still recognises its orders.
    source = models.SlugField(
        _("source"),
        max_length=30,
        help_text=_(
            "Short name of the shop, e.g. “shopify”. External order ids are unique per source."
        ),
    )
    prefix = models.CharField(_("key prefix"), max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(_("scopes"), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("company API key")
        verbose_name_plural = _("company API keys")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class IdempotencyKey(models.Model):
    """The stored answer to a write request of the intake API: the same
    Idempotency-Key (per API key) and the same request get the same answer."""

    api_key = models.ForeignKey(CompanyApiKey, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)  # sha256 of method, path and body
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["api_key", "key"], name="idempotency_key_once")
        ]

    def __str__(self):
        return f"{self.api_key_id}:{self.key}"


class PartnerCodeBenefit(models.Model):
    """What a customer gets for typing a partner's code at checkout (one row,
    edited by an admin): a percentage off the goods, on the first order only or
    on every order; 0 % means no benefit (the code still attributes)."""

    percent = models.DecimalField(
        _("discount (%)"),
        max_digits=5,
        decimal_places=2,
        default=ZERO,
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("50"))],
        help_text=_("Off the price of the goods; 0 means no benefit. At most 50 %."),
    )
    first_order_only = models.BooleanField(
        _("first order only"),
        default=True,
        help_text=_("Only for customers who have not ordered before."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("partner code benefit")
        verbose_name_plural = _("partner code benefit")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(percent__gte=0) & models.Q(percent__lte=50),
                name="code_benefit_percent_range",
            )
        ]

    def __str__(self):
        return f"{self.percent} %"
