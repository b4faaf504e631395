"""The company's admin: its name on every page, and the framework's internals
(Celery beat schedules, allauth's e-mail addresses) for superusers only."""

from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

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


def brand_and_restrict(site: admin.AdminSite = admin.site) -> None:
    site.site_header = settings.COMPANY_NAME
    site.site_title = settings.COMPANY_NAME
    site.index_title = _("Back office")
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
