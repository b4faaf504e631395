from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partners.models import Partner

from .kinds import render


class Notification(models.Model):
    """One thing a partner is told about. (partner, kind, key) is unique: the
    key names the event (an order, a period, a payout item), so a repeated
    signal or a retried task creates nothing twice. The text is rendered from
    `params` when read, in the reader's language."""

    class Mail(models.TextChoices):
        NONE = "none", _("no e-mail")
        PENDING = "pending", _("e-mail due")
        DIGEST = "digest", _("waits for the daily digest")
        SENDING = "sending", _("e-mail being sent")
        SENT = "sent", _("e-mailed")

    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("partner")
    )
    kind = models.CharField(_("kind"), max_length=40)
    key = models.CharField(_("event"), max_length=100)
    params = models.JSONField(_("details"), default=dict, blank=True)
    in_app = models.BooleanField(_("shown in the dashboard"), default=True)
    mail = models.CharField(_("e-mail"), max_length=10, choices=Mail.choices, default=Mail.NONE)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # When it happened (the order's payment, the change of the subscription):
    # what the list shows and sorts by; created_at is when the notice was made.
    occurred_at = models.DateTimeField(_("happened at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    mailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    # Set when the web push is claimed: pushed at most once.
    pushed_at = models.DateTimeField(_("pushed at"), null=True, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(fields=["partner", "kind", "key"], name="notification_once")
        ]
        indexes = [
            # The unread badge and the list: one index range per partner.
            models.Index(fields=["partner", "in_app", "read_at"], name="notification_unread"),
            models.Index(fields=["mail", "partner"], name="notification_mail"),
        ]

    def __str__(self):
        return f"{self.partner_id}:{self.kind}:{self.key}"

    @property
    def text(self) -> str:
        return render(self.kind, self.params)


class NotificationPreference(models.Model):
    """A partner's choice for one kind; without a row the kind's defaults apply."""

    partner = models.ForeignKey(
        Partner,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        verbose_name=_("partner"),
    )
    kind = models.CharField(_("kind"), max_length=40)
    in_app = models.BooleanField(_("in the dashboard"), default=True)
    email = models.BooleanField(_("by e-mail"), default=True)
    digest = models.BooleanField(_("in the daily digest"), default=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["partner", "kind"]
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["partner", "kind"], name="notification_pref_once")
        ]

    def __str__(self):
        return f"{self.partner_id}:{self.kind}"


class NotificationSettings(models.Model):
    """Per partner: the language of their notification e-mails."""

    partner = models.OneToOneField(
        Partner,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="notification_settings",
        verbose_name=_("partner"),
    )
    language = models.CharField(
        _("language of e-mails"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")

    def __str__(self):
        return f"{self.partner_id}:{self.language}"


class DigestMail(models.Model):
    """The daily digest sent to a partner: one row per partner and day, written
    before the mail goes out, so a second run of the beat task sends nothing."""

    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="+", verbose_name=_("partner")
    )
    day = models.DateField(_("day"))
    count = models.PositiveIntegerField(_("notifications"), default=0)
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        ordering = ["-day", "partner"]
        verbose_name = _("daily digest")
        verbose_name_plural = _("daily digests")
        constraints = [models.UniqueConstraint(fields=["partner", "day"], name="digest_once_a_day")]

    def __str__(self):
        return f"{self.partner_id}:{self.day}"


class PushSubscription(models.Model):
    """A browser the partner allowed to show notifications (Web Push): where to
    send them and the keys to encrypt them for it. Dropped when the push service
    answers that the subscription is gone."""

    partner = models.ForeignKey(
        Partner,
        on_delete=models.CASCADE,
        related_name="push_subscriptions",
        verbose_name=_("partner"),
    )
    endpoint = models.URLField(_("push endpoint"), max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["partner", "pk"]
        verbose_name = _("browser notification subscription")
        verbose_name_plural = _("browser notification subscriptions")

    def __str__(self):
        return f"{self.partner_id}:{self.pk}"
