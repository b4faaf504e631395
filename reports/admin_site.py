"""The company's admin: its name on every page, the business first on the home
page, and the technical sections (Celery beat schedules, sites, allauth's e-mail
addresses, groups) for superusers only, below the business."""

from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from .roles import role_label

# Technical sections: only superusers see them, below the business.
SUPERUSER_ONLY_APPS = ("django_celery_beat", "sites", "account", "socialaccount", "auth")
# The business in the order finance and support work with it; apps not named
# here follow in alphabetical order, before the technical sections.
BUSINESS_ORDER = (
    "partners",
    "orders",
    "fulfilment",
    "subscriptions",
    "qualification",
    "commissions",
    "payouts",
    "privacy",
    "notifications",
    "sandbox",
    "webhooks",
)


class BackOfficeSite(admin.AdminSite):
    """The admin site (mlm.settings installs it through BackOfficeAdminConfig)."""

    def get_app_list(self, request, app_label=None):
        apps_ = super().get_app_list(request, app_label)
        for app in apps_:
            app["technical"] = app["app_label"] in SUPERUSER_ONLY_APPS
        position = {label: index for index, label in enumerate(BUSINESS_ORDER)}
        return sorted(
            apps_,
            key=lambda app: (app["technical"], position.get(app["app_label"], len(position))),
        )

    def index(self, request, extra_context=None):
        app_list = self.get_app_list(request)
        return super().index(
            request,
            {
                "business_apps": [app for app in app_list if not app["technical"]],
                "technical_apps": [app for app in app_list if app["technical"]],
                **(extra_context or {}),
            },
        )


class SuperuserOnlyMixin:
    """Hides a model admin from everyone but superusers, whatever their permissions."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request, *args, **kwargs):
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


class RoleNamesMixin:
    """Group lists and the user form's group choices show the staff roles'
    names in the reader's language (the stored names stay the English keys)."""

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and db_field.related_model is Group:
            field.label_from_instance = lambda group: role_label(group.name)
        return field


class RoleGroupMixin:
    @admin.display(description=_("name"), ordering="name")
    def role_name(self, group):
        return role_label(group.name)

    def get_list_display(self, request):
        return [
            "role_name" if f in ("name", "__str__") else f
            for f in super().get_list_display(request)
        ]

    def get_list_display_links(self, request, list_display):
        return ["role_name"]


def _mix_into(site: admin.AdminSite, model, mixin) -> None:
    if not site.is_registered(model):
        return
    model_admin = site.get_model_admin(model)
    if isinstance(model_admin, mixin):
        return
    mixed = type(type(model_admin).__name__, (mixin, type(model_admin)), {"__module__": __name__})
    site.unregister(model)
    site.register(model, mixed)


def brand_and_restrict(site: admin.AdminSite = admin.site) -> None:
    _mix_into(site, Group, RoleGroupMixin)
    _mix_into(site, get_user_model(), RoleNamesMixin)
    site.site_header = settings.COMPANY_NAME
    site.site_title = settings.COMPANY_NAME
    site.index_title = _("Back office")
    site.empty_value_display = "–"  # one sign for "nothing here" on every admin page
    for label in SUPERUSER_ONLY_APPS:
        try:
            app_config = apps.get_app_config(label)
        except LookupError:  # not installed
            continue
        for model in app_config.get_models():
            if not site.is_registered(model):
                continue
            model_admin = site.get_model_admin(model)
            if isinstance(model_admin, SuperuserOnlyMixin):
                continue
            restricted = type(
                type(model_admin).__name__,
                (SuperuserOnlyMixin, type(model_admin)),
                {"__module__": __name__},
            )
            site.unregister(model)
            site.register(model, restricted)
