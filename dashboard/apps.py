from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    """The partner's back office and API: reads from every other app."""

    name = "dashboard"
    verbose_name = _("Partner dashboard")
