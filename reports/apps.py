from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """The company's side: reports, the admin home's figures, branding and roles.
    Reads from every other app and writes nothing but the staff groups."""

    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        from . import admin_site

        admin_site.brand_and_restrict()


class BackOfficeAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the company's site (business first, see admin_site)."""

    default = False  # reports' own config stays ReportsConfig
    default_site = "reports.admin_site.BackOfficeSite"
