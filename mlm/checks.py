"""System checks of the project wiring (run by `manage.py check`, migrate, runserver,
and by mlm/wsgi.py before gunicorn serves a request)."""

from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.checks import Error, register
from django.core.files.storage import storages


def static_manifest_problem() -> str | None:
    """Why the static files cannot be served, or None. With the manifest storage of
    production every `{% static %}` looks its file up in the manifest that
    collectstatic writes; without it every page answers 500."""
    storage = storages["staticfiles"]
    if not isinstance(storage, ManifestFilesMixin):
        return None
    if storage.exists(storage.manifest_name):
        return None
    return (
        f"The static files manifest {storage.path(storage.manifest_name)} is missing, so "
        "every page would answer 500. Run `python manage.py collectstatic --noinput` "
        "before starting the web server (deploy/start does)."
    )


@register("mlm")
def static_manifest_check(app_configs, **kwargs):
    problem = static_manifest_problem()
    if problem is None:
        return []
    return [
        Error(
            problem,
            hint="python manage.py collectstatic --noinput",
            id="mlm.E001",
        )
    ]
