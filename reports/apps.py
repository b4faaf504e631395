from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """The company's side: reports, the admin home's figures, branding and roles.
    Reads from every other app and writes nothing but the staff groups."""

    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        from . import admin_site

        admin_site.brand_and_restrict()
