import os

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mlm.settings")
application = get_wsgi_application()

# gunicorn runs no system checks: refuse to boot rather than answer 500 on every page.
from mlm.checks import static_manifest_problem  # noqa: E402 - needs the apps loaded

if problem := static_manifest_problem():
    raise ImproperlyConfigured(problem)
