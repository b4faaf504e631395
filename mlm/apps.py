from django.apps import AppConfig


class MlmConfig(AppConfig):
    """The project wiring as an app, for its system checks (mlm/checks.py)."""

    name = "mlm"
    verbose_name = "MLM"

    def ready(self):
        from . import checks  # noqa: F401 - registers the checks
