"""Admin for logins and partners.

Every change of a partner's place in the genealogy or of their status goes
through the services (partner_enroll, partner_move, partner_set_status), so the
derived path/depth, the audit entries and the hooks are always right. The admin
login is allauth's login (same rate limits as the site).
"""

from urllib.parse import urlencode

from allauth.account.decorators import secure_admin_login
from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from .admin_base import ReadOnlyAdmin
from .forms import PartnerMoveForm, ReasonForm, clean_new_slug
from .models import Partner, SponsorChange, StatusChange, User, normalize_email
from .selectors import partner_descendants
from .services import partner_enroll, partner_move, partner_set_status
from .widgets import AdminFileChooser

# The admin login is allauth's login page: rate limits, one place to sign in.
admin.site.login = secure_admin_login(admin.site.login)

# How many partners one intermediate action page handles at once.
ACTION_LIMIT = 100


# --- Users -------------------------------------------------------------------


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class UserEditForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"
        field_classes = {}


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreationForm
    ordering = ("email",)
    list_display = ("email", "first_name", "last_name", "is_staff", "is_active", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_active")
    search_fields = ("email", "first_name", "last_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "usable_password", "password1", "password2"),
            },
        ),
    )


# --- Partners ----------------------------------------------------------------


class DownlineFilter(admin.SimpleListFilter):
    """?downline_of=<id>: the partner's whole team, one indexed range query."""

    title = _("team of")
    parameter_name = "downline_of"

    def _partner(self) -> Partner | None:
        value = self.value()
        if not value or not str(value).isdigit():
            return None
        return Partner.objects.filter(pk=int(value)).first()

    def lookups(self, request, model_admin):
        partner = self._partner()
        return [(str(partner.pk), str(partner))] if partner else []

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        partner = self._partner()
        if partner is None:
            return queryset.none()
        return partner_descendants(partner=partner, queryset=queryset)


class PartnerAddForm(forms.ModelForm):
    """Admin enrollment, also of root partners; saved through partner_enroll."""

    email = forms.EmailField(
        label=_("e-mail address"),
        help_text=_("The partner signs in with it; they set a password via “Forgot password”."),
    )

    class Meta:
        model = Partner
        fields = ("email", "first_name", "last_name", "slug", "sponsor", "status", "external_id")
        help_texts = {"sponsor": _("Leave empty to create a root partner (under the company).")}

    def clean_email(self):
        email = normalize_email(self.cleaned_data["email"])
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError(_("An account with this e-mail address exists already."))
        return email

    def clean_slug(self):
        return clean_new_slug(self.cleaned_data.get("slug"))

    def clean_sponsor(self):
        sponsor = self.cleaned_data.get("sponsor")
        if sponsor is not None and sponsor.status == Partner.Status.TERMINATED:
            raise ValidationError(_("A terminated partner cannot sponsor anyone."))
        return sponsor


class PartnerChangeForm(forms.ModelForm):
    class Meta:
        model = Partner
        fields = ("slug",)  # the admin adds the other fields of the fieldsets

    def clean_slug(self):
        slug = (self.cleaned_data.get("slug") or "").strip().lower()
        if slug == self.instance.slug:
            return slug
        return clean_new_slug(slug)


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = (
        "full_name_display",
        "email_display",
        "slug",
        "sponsor",
        "status_display",
        "depth",
        "joined_at",
        "team_link",
    )
    list_select_related = ("user", "sponsor")
    search_fields = ("first_name", "last_name", "user__email", "slug")
    list_filter = ("status", "joined_at", DownlineFilter)
    date_hierarchy = "joined_at"
    autocomplete_fields = ("sponsor",)
    ordering = ("-joined_at",)
    list_per_page = 50
    formfield_overrides = {
        models.URLField: {"assume_scheme": "https"},
        models.ImageField: {"widget": AdminFileChooser},
    }
    actions = ("move_to_sponsor", "pause", "reactivate", "terminate")

    change_fieldsets = (
        (
            None,
            {"fields": ("first_name", "last_name", "user_link", "slug", "status", "external_id")},
        ),
        (
            _("Genealogy"),
            {"fields": ("sponsor_link", "depth", "path", "team_display", "joined_at")},
        ),
        (_("Terms"), {"fields": ("terms_accepted_at", "terms_version")}),
        (
            _("Landing page"),
            {
                "fields": (
                    "photo",
                    "message",
                    "instagram_url",
                    "tiktok_url",
                    "youtube_url",
                    "website_url",
                    "code",
                )
            },
        ),
        (_("Contact"), {"fields": ("phone", "contact_shared_at")}),
        (_("History"), {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
    )
    add_fieldsets = (
        (
            None,
            {
                "fields": (
                    "email",
                    "first_name",
                    "last_name",
                    "slug",
                    "sponsor",
                    "status",
                    "external_id",
                )
            },
        ),
    )
    change_readonly_fields = (
        "user_link",
        "code",  # the partner's choice, checked by partner_code_set
        "contact_shared_at",  # the partner's consent
        "status",
        "sponsor_link",
        "depth",
        "path",
        "team_display",
        "joined_at",
        "terms_accepted_at",
        "terms_version",
        "created_at",
        "updated_at",
    )

    # -- forms: adding enrolls through the service; sponsor/status change via actions

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = PartnerChangeForm if obj else PartnerAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        return self.change_fieldsets if obj else self.add_fieldsets

    def get_readonly_fields(self, request, obj=None):
        return self.change_readonly_fields if obj else ()

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        data = form.cleaned_data
        partner = partner_enroll(
            email=data["email"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            slug=data["slug"],
            sponsor=data.get("sponsor"),
            status=data.get("status") or Partner.Status.ACTIVE,
            external_id=data.get("external_id"),
            allow_root=True,
        )
        # The admin goes on with the object it built; make it the saved one.
        obj.__dict__.update({k: v for k, v in partner.__dict__.items() if k != "_state"})
        obj._state.adding = False
        obj._state.db = partner._state.db

    def has_delete_permission(self, request, obj=None):
        # Partners are never deleted: terminate them (their history stays).
        return False

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if (
            request.path == reverse("admin:autocomplete")
            and request.GET.get("field_name") == "sponsor"
        ):
            # Choosing a sponsor: terminated partners cannot sponsor anyone.
            queryset = queryset.exclude(status=Partner.Status.TERMINATED)
        return queryset, may_have_duplicates

    # -- the partner's page offers the list actions as buttons, each leading to
    # the action's own confirmation page (for this one partner)

    # (action, label) offered on the page of a partner in each status
    PAGE_ACTIONS = {
        Partner.Status.ACTIVE: ("move_to_sponsor", "pause", "terminate"),
        Partner.Status.INACTIVE: ("move_to_sponsor", "reactivate", "terminate"),
        Partner.Status.TERMINATED: (),
    }

    def get_urls(self):
        return [
            path(
                "<int:pk>/do/<str:action>/",
                self.admin_site.admin_view(self.partner_action_view),
                name="partners_partner_do",
            ),
            *super().get_urls(),
        ]

    def partner_action_view(self, request, pk, action):
        """One list action on one partner: its confirmation page, then back to the partner."""
        partner = get_object_or_404(Partner, pk=pk)
        if action not in self.PAGE_ACTIONS[partner.status]:
            raise PermissionDenied
        if not self.has_change_permission(request, partner):
            raise PermissionDenied
        func, _name, _description = self.get_action(action)
        response = func(self, request, Partner.objects.filter(pk=partner.pk))
        page = reverse("admin:partners_partner_change", args=[partner.pk])
        if response is None:
            return HttpResponseRedirect(page)
        response.context_data["cancel_url"] = page
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        partner = self.get_object(request, object_id)
        buttons = []
        if partner is not None and self.has_change_permission(request, partner):
            buttons = [
                (
                    reverse("admin:partners_partner_do", args=[partner.pk, action]),
                    self.get_action(action)[2],
                )
                for action in self.PAGE_ACTIONS[partner.status]
            ]
        erase_url = ""
        if partner is not None and request.user.has_perm("privacy.add_erasurerequest"):
            # The privacy app's page that records an erasure request (partners
            # imports no app above it: the page is linked by its URL name).
            erase_url = (
                reverse("admin:privacy_erasurerequest_by_email")
                + "?"
                + urlencode({"subject_kind": "partner", "email": partner.user.email})
            )
        context = {**(extra_context or {}), "partner_buttons": buttons, "erase_url": erase_url}
        return super().change_view(request, object_id, form_url, context)

    # -- columns and read-only fields

    @admin.display(description=_("name"), ordering="last_name")
    def full_name_display(self, obj):
        return obj.full_name

    @admin.display(description=_("e-mail address"), ordering="user__email")
    def email_display(self, obj):
        return obj.user.email

    @admin.display(description=_("status"), ordering="status")
    def status_display(self, obj):
        colour = {"active": "#1c6b3a", "inactive": "#8a5200", "terminated": "#b3261e"}[obj.status]
        return format_html('<strong style="color:{}">{}</strong>', colour, obj.get_status_display())

    def _team_url(self, obj) -> str:
        return reverse("admin:partners_partner_changelist") + f"?downline_of={obj.pk}"

    @admin.display(description=_("Team (downline)"))
    def team_link(self, obj):
        return format_html('<a href="{}">{}</a>', self._team_url(obj), gettext("Team"))

    @admin.display(description=_("Team (downline)"))
    def team_display(self, obj):
        size = partner_descendants(partner=obj).count()
        label = ngettext("%(n)d partner", "%(n)d partners", size) % {"n": size}
        return format_html('<a href="{}">{}</a>', self._team_url(obj), label)

    @admin.display(description=_("login"))
    def user_link(self, obj):
        url = reverse("admin:partners_user_change", args=[obj.user_id])
        return format_html('<a href="{}">{}</a>', url, obj.user.email)

    @admin.display(description=_("sponsor"))
    def sponsor_link(self, obj):
        if obj.sponsor_id is None:
            return gettext("– (root partner)")
        url = reverse("admin:partners_partner_change", args=[obj.sponsor_id])
        return format_html(
            '<a href="{}">{}</a> <span class="help">{}</span>',
            url,
            obj.sponsor,
            gettext("Use “Move to another sponsor” above to change it."),
        )

    # -- actions

    def _intermediate_page(
        self, request, queryset, *, action, form, title, intro, submit, warning=""
    ):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "intro": intro,
            "warning": warning,
            "submit_label": submit,
            "objects": queryset,
            "form": form,
            "action": action,
            "opts": self.model._meta,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/partners/partner/action_confirm.html", context)

    def _too_many(self, request, queryset) -> bool:
        if queryset.count() > ACTION_LIMIT:
            self.message_user(
                request,
                ngettext(
                    "Please select at most %(n)d partner for this action.",
                    "Please select at most %(n)d partners for this action.",
                    ACTION_LIMIT,
                )
                % {"n": ACTION_LIMIT},
                messages.ERROR,
            )
            return True
        return False

    @admin.action(
        description=_("Move to another sponsor (with their team)"), permissions=["change"]
    )
    def move_to_sponsor(self, request, queryset):
        if self._too_many(request, queryset):
            return None
        applying = "apply" in request.POST
        form = PartnerMoveForm(request.POST if applying else None, admin_site=self.admin_site)
        if applying and form.is_valid():
            errors = []
            for partner in queryset.order_by("depth", "pk"):
                try:
                    change = partner_move(
                        partner=partner,
                        new_sponsor=form.cleaned_data["new_sponsor"],
                        changed_by=request.user,
                        reason=form.cleaned_data["reason"],
                    )
                except ValidationError as exc:
                    errors.extend(f"{partner.full_name}: {message}" for message in exc.messages)
                else:
                    self.message_user(
                        request,
                        ngettext(
                            "%(partner)s moved to %(sponsor)s together with %(n)d team member.",
                            "%(partner)s moved to %(sponsor)s together with %(n)d team members.",
                            change.team_size,
                        )
                        % {
                            "partner": partner.full_name,
                            "sponsor": change.to_sponsor or gettext("the top (root)"),
                            "n": change.team_size,
                        },
                        messages.SUCCESS,
                    )
            if not errors:
                return None
            form.add_error(None, errors)
        return self._intermediate_page(
            request,
            queryset,
            action="move_to_sponsor",
            form=form,
            title=gettext("Move to another sponsor"),
            intro=gettext(
                "The selected partners move to the new sponsor together with their whole team. "
                "The volumes of the open periods are recomputed."
            ),
            submit=gettext("Move"),
        )

    def _set_status(self, request, queryset, *, status, action, title, intro, submit, warning=""):
        if self._too_many(request, queryset):
            return None
        applying = "apply" in request.POST
        form = ReasonForm(request.POST if applying else None)
        if applying and form.is_valid():
            errors, done = [], 0
            for partner in queryset.order_by("pk"):
                try:
                    with transaction.atomic():
                        before = partner.status
                        partner = partner_set_status(
                            partner=partner,
                            status=status,
                            changed_by=request.user,
                            reason=form.cleaned_data["reason"],
                        )
                    done += before != partner.status
                except ValidationError as exc:
                    errors.extend(f"{partner.full_name}: {message}" for message in exc.messages)
            if done:
                self.message_user(
                    request,
                    ngettext(
                        "%(n)d partner is now “%(status)s”.",
                        "%(n)d partners are now “%(status)s”.",
                        done,
                    )
                    % {"n": done, "status": Partner.Status(status).label},
                    messages.SUCCESS,
                )
            if not errors:
                if not done:
                    self.message_user(
                        request,
                        gettext("Nothing changed: the status was already set."),
                        messages.INFO,
                    )
                return None
            form.add_error(None, errors)
        return self._intermediate_page(
            request,
            queryset,
            action=action,
            form=form,
            title=title,
            intro=intro,
            submit=submit,
            warning=warning,
        )

    @admin.action(description=_("Pause (inactive)"), permissions=["change"])
    def pause(self, request, queryset):
        return self._set_status(
            request,
            queryset,
            status=Partner.Status.INACTIVE,
            action="pause",
            title=gettext("Pause partners"),
            intro=gettext(
                "Paused partners' pages and codes attract no new customers; customers already "
                "bound to them stay bound and their orders still count."
            ),
            submit=gettext("Pause"),
        )

    @admin.action(description=_("Reactivate"), permissions=["change"])
    def reactivate(self, request, queryset):
        return self._set_status(
            request,
            queryset,
            status=Partner.Status.ACTIVE,
            action="reactivate",
            title=gettext("Reactivate partners"),
            intro=gettext("The partners' pages and codes work again."),
            submit=gettext("Reactivate"),
        )

    @admin.action(description=_("Terminate"), permissions=["change"])
    def terminate(self, request, queryset):
        return self._set_status(
            request,
            queryset,
            status=Partner.Status.TERMINATED,
            action="terminate",
            title=gettext("Terminate partners"),
            intro=gettext(
                "Terminated partners' landing pages disappear (404), and their customers are "
                "re-bound to the nearest active partner above them."
            ),
            warning=gettext("A termination cannot be undone."),
            submit=gettext("Terminate"),
        )


# --- Audit logs (read-only) --------------------------------------------------


@admin.register(SponsorChange)
class SponsorChangeAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "partner",
        "from_sponsor",
        "to_sponsor",
        "team_size",
        "changed_by",
        "reason",
    )
    list_select_related = ("partner", "from_sponsor", "to_sponsor", "changed_by")
    search_fields = ("partner__slug", "partner__last_name", "reason")
    date_hierarchy = "created_at"


@admin.register(StatusChange)
class StatusChangeAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "partner", "from_status", "to_status", "changed_by", "reason")
    list_select_related = ("partner", "changed_by")
    list_filter = ("to_status",)
    search_fields = ("partner__slug", "partner__last_name", "reason")
    date_hierarchy = "created_at"
