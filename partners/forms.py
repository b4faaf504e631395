"""Forms of the partners app.

PartnerSignupForm is allauth's ACCOUNT_SIGNUP_FORM_CLASS: allauth's SignupForm
inherits from it, so its fields sit beside e-mail and password and its clean_*
methods run in the same validation pass -- everything is checked before allauth
creates a user. The enrollment itself happens in adapters.AccountAdapter.save_user.
"""

from django import forms
from django.conf import settings
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import Partner
from .selectors import partner_get_by_slug
from .slugs import SLUG_MAX, SLUG_MIN, slug_is_taken, slug_problems, slug_suggest

# The sponsor chosen on an invite link, remembered for the visit.
SESSION_SPONSOR_KEY = "partners_join_sponsor"

SPONSOR_REQUIRED_MESSAGE = _(
    "You can only join through a partner. Open your sponsor's invite link "
    "or enter their partner code."
)


def clean_new_slug(value: str) -> str:
    """Normalise a wished landing page address or raise a ValidationError that
    lists every broken rule and suggests a free variant."""
    slug = (value or "").strip().lower()
    problems = slug_problems(slug)
    if problems:
        suggestion = slug_suggest(slug) if slug else ""
        if suggestion and not slug_problems(suggestion):
            problems.append(gettext("How about “%(suggestion)s”?") % {"suggestion": suggestion})
        raise ValidationError(problems, code="invalid_slug")
    if slug_is_taken(slug):
        raise ValidationError(
            gettext("“%(slug)s” is already taken. How about “%(suggestion)s”?")
            % {"slug": slug, "suggestion": slug_suggest(slug)},
            code="slug_taken",
        )
    return slug


def clean_sponsor_code(value: str) -> Partner:
    """The active partner a sign-up joins under, from their code (= slug)."""
    code = (value or "").strip().lower()
    if not code:
        raise ValidationError(SPONSOR_REQUIRED_MESSAGE, code="sponsor_required")
    sponsor = partner_get_by_slug(slug=code, active_only=True)
    if sponsor is None:
        raise ValidationError(
            gettext(
                "No active partner has the code “%(code)s”. Please check the spelling "
                "or ask your sponsor for their invite link."
            )
            % {"code": code},
            code="sponsor_unknown",
        )
    return sponsor


class PartnerSignupForm(forms.Form):
    """The partner fields of the sign-up form (allauth adds e-mail and password)."""

    field_order = [
        "sponsor",
        "first_name",
        "last_name",
        "email",
        "slug",
        "password1",
        "password2",
        "accept_terms",
    ]

    sponsor = forms.CharField(
        label=_("Sponsor code"),
        max_length=SLUG_MAX,
        error_messages={"required": SPONSOR_REQUIRED_MESSAGE},
        help_text=_(
            "The partner code of the person who invited you (the end of their invite link)."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )
    first_name = forms.CharField(
        label=_("First name"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Last name"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    slug = forms.CharField(
        label=_("Your landing page address"),
        max_length=SLUG_MAX + 20,  # longer input gets the friendly length message
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "none",
                "spellcheck": "false",
                "hx-get": reverse_lazy("partners:slug_check"),
                "hx-trigger": "input changed delay:400ms, change",
                "hx-target": "#slug-status",
                "hx-sync": "this:replace",
            }
        ),
    )
    accept_terms = forms.BooleanField(
        label=_("I accept the partner terms."),
        error_messages={"required": _("Please accept the partner terms to join.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slug"].help_text = gettext(
            "%(min)d–%(max)d characters: lowercase letters a–z, digits and hyphens. "
            "This is the address you share with your customers."
        ) % {"min": SLUG_MIN, "max": SLUG_MAX}
        self.fields["accept_terms"].label = format_html(
            '{} <a href="{}" target="_blank" rel="noopener">{}</a>',
            gettext("I accept the"),
            reverse_lazy("partners:terms"),
            gettext("partner terms (version %(version)s).")
            % {"version": settings.PARTNER_TERMS_VERSION},
        )
        if not self.initial.get("sponsor"):
            # A visitor who came through an invite link keeps their sponsor.
            from allauth.core import context

            request = context.request
            if request is not None and hasattr(request, "session"):
                remembered = request.session.get(SESSION_SPONSOR_KEY)
                if remembered:
                    self.initial["sponsor"] = remembered

    def clean_sponsor(self) -> Partner:
        return clean_sponsor_code(self.cleaned_data.get("sponsor"))

    def clean_slug(self) -> str:
        return clean_new_slug(self.cleaned_data.get("slug"))

    def clean_first_name(self) -> str:
        return self.cleaned_data["first_name"].strip()

    def clean_last_name(self) -> str:
        return self.cleaned_data["last_name"].strip()

    @cached_property
    def sponsor_preview(self) -> Partner | None:
        """The sponsor to show beside the form ("You are joining X's team")."""
        code = self.data.get(self.add_prefix("sponsor")) if self.is_bound else None
        code = code or self.initial.get("sponsor")
        if isinstance(code, Partner):
            return code
        if not code or "\x00" in code or len(code.strip()) > SLUG_MAX:
            return None  # no partner has such a code; PostgreSQL refuses NUL in a query
        return partner_get_by_slug(slug=code, active_only=True)

    def signup(self, request, user) -> None:
        """allauth's hook after save_user; the enrollment already happened there."""


class ReasonForm(forms.Form):
    """The reason every admin change of a partner's place or status needs."""

    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Stored in the audit log together with your name and the time."),
        error_messages={"required": _("Please give a reason.")},
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(_("Please give a reason."))
        return reason


class PartnerMoveForm(ReasonForm):
    """Admin: choose the new sponsor of a partner (and their team)."""

    new_sponsor = forms.ModelChoiceField(
        label=_("New sponsor"),
        queryset=Partner.objects.all(),
        required=False,
        help_text=_("Search by name, e-mail or landing page address."),
    )
    make_root = forms.BooleanField(
        label=_("Make root partner (no sponsor)"),
        required=False,
    )
    field_order = ["new_sponsor", "make_root", "reason"]

    def __init__(self, *args, admin_site=None, **kwargs):
        super().__init__(*args, **kwargs)
        if admin_site is not None:
            field = self.fields["new_sponsor"]
            field.widget = AutocompleteSelect(Partner._meta.get_field("sponsor"), admin_site)
            field.widget.choices = field.choices

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("new_sponsor") and not cleaned.get("make_root"):
            self.add_error(
                "new_sponsor",
                _(
                    "Choose the new sponsor, or tick “Make root partner” to move the partner to the top."
                ),
            )
        if cleaned.get("new_sponsor") and cleaned.get("make_root"):
            self.add_error(
                "make_root", _("Either choose a sponsor or make a root partner, not both.")
            )
        return cleaned
