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
    assert response.json() == {
        "database": "ok",
        "cache": "ok",
        "tasks": "in process",
        "status": "ok",
    }


def test_health_check_says_degraded_but_serving_when_the_cache_is_gone(client, db, monkeypatch):
    from django.core.cache import cache

    monkeypatch.setattr(cache, "get", lambda *args, **kwargs: None)  # what a lost Redis reads
    response = client.get("/healthz")
    # 503 for the monitoring; the liveness check of the web process stays green
    assert response.status_code == 503
    assert response.json() == {
        "database": "ok",
        "cache": "error",
        "tasks": "in process",
        "status": "degraded",
    }
    assert client.get("/healthz/live").status_code == 200


def deploy_security_check(**overrides):
    env = {k: v for k, v in os.environ.items() if k not in SAFE and k != "DEBUG"}
    env.update(
        {
            k: v
            for k, v in {**SAFE, "SECRET_KEY": "k7" * 20 + "x9" * 10, **overrides}.items()
            if v is not None
        }
    )
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--tag", "security"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_tls_at_the_proxy_is_a_documented_setup_that_check_deploy_does_not_warn_about():
    at_proxy = deploy_security_check(TLS_TERMINATED_AT_PROXY="true", TRUSTED_PROXIES="10.0.0.2")
    assert at_proxy.returncode == 0, at_proxy.stderr
    assert "W008" not in at_proxy.stdout + at_proxy.stderr
    # Switching the redirect off without saying where TLS ends still warns.
    plain = deploy_security_check(SECURE_SSL_REDIRECT="false")
    assert "W008" in plain.stdout + plain.stderr


def test_tls_at_the_proxy_needs_the_proxy_named():
    result = load_settings(TLS_TERMINATED_AT_PROXY="true")
    assert result.returncode != 0 and "TRUSTED_PROXIES" in result.stderr


def test_a_trusted_proxy_that_is_no_address_is_refused_at_start():
    result = load_settings(TRUSTED_PROXIES="10.0.0.2,proxy.internal")
    assert result.returncode != 0 and "proxy.internal" in result.stderr


def test_a_missing_static_manifest_stops_start_up_with_the_command_that_fixes_it(
    settings, tmp_path
):
    from mlm.checks import static_manifest_check

    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    errors = static_manifest_check(None)
    assert [e.id for e in errors] == ["mlm.E001"]
    assert "collectstatic" in errors[0].msg and "every page would answer 500" in errors[0].msg
    (tmp_path / "staticfiles.json").write_text('{"paths": {}, "version": "1.1"}')
    assert static_manifest_check(None) == []


def test_the_embedded_mode_needs_no_manifest():
    from mlm.checks import static_manifest_check

    assert static_manifest_check(None) == []


def test_production_logs_are_one_json_object_per_line():
    import json
    import logging

    from mlm.logs import JsonFormatter

    record = logging.makeLogRecord(
        {"name": "orders", "levelname": "WARNING", "msg": "order %s held", "args": ("A-1",)}
    )
    record.order = "A-1"
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert (entry["level"], entry["logger"], entry["message"], entry["order"]) == (
        "WARNING",
        "orders",
        "order A-1 held",
        "A-1",
    )
