from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Demo data for the whole project (manage.py seed_demo). It uses every
    app's services, so it sits on top of them all and nothing imports it."""

    name = "demo"
    verbose_name = _("Demo data")
