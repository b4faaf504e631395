import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAFE = {
    "DJANGO_ENV": "production",
    "DEBUG": "false",
    "SECRET_KEY": "x" * 60,
    "ALLOWED_HOSTS": "shop.example.com",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/unused",
    "REDIS_URL": "redis://127.0.0.1:6379/9",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/9",
}


def load_settings(**overrides):
    env = {k: v for k, v in os.environ.items() if k not in SAFE and k != "DEBUG"}
    env.update({k: v for k, v in {**SAFE, **overrides}.items() if v is not None})
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='mlm.settings'; "
            "from django.conf import settings; print(settings.DEBUG, settings.CELERY_TASK_ALWAYS_EAGER)",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_starts_with_safe_values():
    result = load_settings()
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False False"


@pytest.mark.parametrize(
    "override, complaint",
    [
        ({"SECRET_KEY": None}, "SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"ALLOWED_HOSTS": None}, "ALLOWED_HOSTS"),
        ({"ALLOWED_HOSTS": "*"}, "ALLOWED_HOSTS"),
        ({"DEBUG": "true"}, "DEBUG"),
        ({"DATABASE_URL": "sqlite:///x.db"}, "DATABASE_URL"),
        ({"REDIS_URL": None}, "REDIS_URL"),
        ({"CELERY_BROKER_URL": None}, "CELERY_BROKER_URL"),
    ],
)
def test_production_refuses_unsafe_configuration(override, complaint):
    result = load_settings(**override)
    assert result.returncode != 0
    assert "Refusing to start in production" in result.stderr and complaint in result.stderr


def test_embedded_mode_needs_nothing_set(settings):
    assert settings.DATABASES["default"]["ENGINE"].endswith("sqlite3") or os.environ.get(
        "DATABASE_URL"
    )
    assert settings.CELERY_TASK_ALWAYS_EAGER or os.environ.get("CELERY_BROKER_URL")
    assert settings.LANGUAGE_CODE == "de" and settings.TIME_ZONE == "Europe/Berlin"


def test_health_check_reports_database_and_cache(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "cache": "ok", "status": "ok"}


def test_health_check_says_degraded_but_serving_when_the_cache_is_gone(client, db, monkeypatch):
    from django.core.cache import cache

    monkeypatch.setattr(cache, "get", lambda *args, **kwargs: None)  # what a lost Redis reads
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "cache": "error", "status": "degraded"}
