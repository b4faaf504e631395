"""Browser tests: Debian's Chromium (never a downloaded browser) driven by
Playwright against pytest-django's live server.

Run with: .venv/bin/pytest -m e2e -o addopts="-p no:cacheprovider" tests/e2e
"""

import os
import shutil
import tempfile
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
# A browser as people use it: the landing page ignores bots, and "HeadlessChrome"
# in the default user agent reads as one.
PHONE_USER_AGENT = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36"
)
DESKTOP_USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """SQLite: a file-based test database, so the live server's request threads
    and the test thread each get their own connection (an in-memory database
    would be one shared connection for all of them)."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.sqlite3":
        folder = tempfile.mkdtemp(prefix="mlm-e2e-")
        db.setdefault("TEST", {})["NAME"] = os.path.join(folder, "e2e.sqlite3")
        yield
        shutil.rmtree(folder, ignore_errors=True)
    else:
        yield


@pytest.fixture(autouse=True)
def e2e_settings(settings, live_server):
    """Links on the pages point at the live server; Celery runs in process."""
    from mlm.celery import app as celery_app

    settings.SITE_URL = live_server.url
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1", "testserver"]
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.DASHBOARD_POLL_SECONDS = 2
    eager_before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield settings
    celery_app.conf.task_always_eager = eager_before


@pytest.fixture(scope="session")
def chromium():
    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's Chromium "
            "(apt-get update && apt-get install -y chromium); we never download a browser."
        )
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the
    # tests make between browser steps are still plain synchronous code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def new_context(chromium):
    """new_context(phone=False) -> a fresh browser profile (own cookies)."""
    contexts = []

    def make(*, phone: bool = False, locale: str = "en-US"):
        options = {"locale": locale, "timezone_id": "Europe/Berlin"}
        if phone:
            options.update(
                viewport=PHONE,
                device_scale_factor=2,
                is_mobile=True,
                has_touch=True,
                user_agent=PHONE_USER_AGENT,
            )
        else:
            options.update(viewport=DESKTOP, user_agent=DESKTOP_USER_AGENT)
        context = chromium.new_context(**options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def artifacts():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def sign_in(
    page, base_url: str, email: str, password: str, *, next_path: str = "/dashboard/"
) -> None:
    """Through the real allauth login form."""
    page.goto(f"{base_url}/accounts/login/?next={next_path}")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.locator("form:has(input[name=login]) [type=submit]").first.click()
    page.wait_for_url(f"**{next_path}*")
