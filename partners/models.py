from django.conf import settings
from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import F
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .genealogy import path_head_expression


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, email):
        # Stored lower-case (save()); an exact match uses the unique index.
        return self.get(email=normalize_email(email))


def normalize_email(email: str) -> str:
    """E-mail identifies people case-insensitively, surrounding spaces ignored."""
    return (email or "").strip().lower()


class User(AbstractUser):
    """A login. E-mail is the login name; partners and admins both have one."""

    username = None
    email = models.EmailField(_("e-mail address"), unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def save(self, *args, **kwargs):
        self.email = normalize_email(self.email)
        super().save(*args, **kwargs)


class Partner(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        INACTIVE = "inactive", _("inactive (paused)")
        TERMINATED = "terminated", _("terminated")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="partner"
    )
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    # Stored lower-case; unique therefore means unique ignoring case.
    slug = models.CharField(_("landing page address"), max_length=40, unique=True)
    # The partner's own code for customers to type at checkout (besides the slug,
    # which works as a code too). Lower-case; unique, and never another's slug.
    code = models.CharField(_("partner code"), max_length=40, unique=True, null=True, blank=True)
    sponsor = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("sponsor"),
    )
    # Derived from the sponsor chain (see genealogy.py); written only by services.
    path = models.TextField(_("path"), default="", blank=True, editable=False)
    depth = models.PositiveIntegerField(_("depth"), default=0, editable=False)
    # How many partners are below (the whole team); kept by the services that
    # change the tree (partners.services), refreshed after a bulk import.
    team_size = models.PositiveIntegerField(_("team size"), default=0, db_default=0, editable=False)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE
    )
    external_id = models.CharField(
        _("external id"), max_length=100, unique=True, null=True, blank=True
    )
    joined_at = models.DateTimeField(_("joined at"), default=timezone.now)
    terms_accepted_at = models.DateTimeField(_("terms accepted at"), null=True, blank=True)
    terms_version = models.CharField(_("terms version"), max_length=20, blank=True)
    photo = models.ImageField(_("photo"), upload_to="partners/", blank=True)
    message = models.TextField(_("personal message"), max_length=1000, blank=True)
    instagram_url = models.URLField(_("Instagram"), blank=True)
    tiktok_url = models.URLField(_("TikTok"), blank=True)
    youtube_url = models.URLField(_("YouTube"), blank=True)
    website_url = models.URLField(_("website"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    # Consent (opt-in on the profile) to show e-mail and phone to the partners
    # above in the team; when it was given, or None: not shared.
    contact_shared_at = models.DateTimeField(
        _("e-mail and phone shared with the upline since"), null=True, blank=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["slug"]
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        indexes = [
            # The subtree range, and its rows in (path head, id) order: the team
            # list pages through it with a key cursor (dashboard.selectors).
            models.Index(path_head_expression(), F("id"), name="partner_path_head"),
            models.Index(fields=["status", "joined_at"], name="partner_status_joined"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(sponsor=models.F("pk")), name="partner_not_own_sponsor"
            ),
            models.CheckConstraint(
                condition=models.Q(slug=Lower("slug")), name="partner_slug_lowercase"
            ),
            models.CheckConstraint(
                condition=models.Q(code=Lower("code")), name="partner_code_lowercase"
            ),
        ]

    def __str__(self):
        return f"{self.full_name} ({self.slug})"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def email(self) -> str:
        return self.user.email

    @property
    def is_active_partner(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def descendants_prefix(self) -> str:
        from .genealogy import child_path

        return child_path(self.path, self.pk)


class ChangeLog(models.Model):
    """An audit row: who made a change, why and when. Each log adds what changed
    (from_* / to_*); rows are only ever added, by the service making the change."""

    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    reason = models.TextField(_("reason"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]


class PartnerChangeLog(ChangeLog):
    """A change from one partner to another (or to/from none: the company)."""

    from_partner = models.ForeignKey(
        "partners.Partner",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("previous partner"),
    )
    to_partner = models.ForeignKey(
        "partners.Partner",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("new partner"),
    )

    class Meta(ChangeLog.Meta):
        abstract = True


class SponsorChange(ChangeLog):
    """Audit of a partner (and their whole team) moved to another sponsor."""

    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="sponsor_changes", verbose_name=_("partner")
    )
    from_sponsor = models.ForeignKey(
        Partner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("previous sponsor"),
    )
    to_sponsor = models.ForeignKey(
        Partner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("new sponsor"),
    )
    team_size = models.PositiveIntegerField(_("team size"), default=0)

    class Meta(ChangeLog.Meta):
        verbose_name = _("sponsor change")
        verbose_name_plural = _("sponsor changes")

    def __str__(self):
        return f"{self.partner}: {self.from_sponsor or '–'} → {self.to_sponsor or '–'}"


class StatusChange(ChangeLog):
    """Audit of a partner's status changes (pause, reactivation, termination)."""

    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="status_changes", verbose_name=_("partner")
    )
    from_status = models.CharField(
        _("previous status"), max_length=12, choices=Partner.Status.choices
    )
    to_status = models.CharField(_("new status"), max_length=12, choices=Partner.Status.choices)
    reason = models.TextField(_("reason"), blank=True)  # a status change may go without

    class Meta(ChangeLog.Meta):
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")

    def __str__(self):
        return f"{self.partner}: {self.get_from_status_display()} → {self.get_to_status_display()}"


class TeamSizeChange(models.Model):
    """A change of a partner's team size not yet added to Partner.team_size:
    append-only rows, one per partner of the line above a sign-up (+1) or a
    moved team (-n / +n), written in the transaction of the change and added up
    by the task partners.tasks.apply_team_size_changes after commit, which
    deletes them. So sign-ups under one leader insert rows instead of queueing
    on the leader's row. Partner.team_size plus a partner's rows here is the
    exact size at any moment (partners.selectors.partner_team_size)."""

    id = models.BigAutoField(primary_key=True)
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="+")
    delta = models.IntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        verbose_name = _("team size change")
        verbose_name_plural = _("team size changes")

    def __str__(self):
        return f"{self.partner_id}: {self.delta:+d}"


class BlockedSlug(models.Model):
    """The address of an erased partner, blocked from reuse until `until` (so
    nobody takes over their links). Only a SHA-256 of the address is kept."""

    slug_hash = models.CharField(max_length=64, unique=True)
    until = models.DateField(_("blocked until"))

    class Meta:
        verbose_name = _("blocked address")
        verbose_name_plural = _("blocked addresses")

    def __str__(self):
        return f"{self.slug_hash[:8]}… → {self.until}"


class ApiToken(models.Model):
    """A personal API token; only its SHA-256 is stored."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"
