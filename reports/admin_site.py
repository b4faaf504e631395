"""The company's admin: its name on every page, and the framework's internals
(Celery beat schedules, allauth's e-mail addresses) for superusers only."""

from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from .roles import role_label

# Apps whose admin only superusers see.
SUPERUSER_ONLY_APPS = ("django_celery_beat", "account", "socialaccount")


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
        if not apps.is_installed(f"allauth.{label}") and not apps.is_installed(label):
            continue
        for model in apps.get_app_config(label).get_models():
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
