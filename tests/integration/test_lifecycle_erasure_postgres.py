"""The full-lifecycle erasure (tests/privacy/lifecycle.py) on PostgreSQL: the
map's lookups (JSON paths included) run on the real database, the erasure
completes and leaves no trace outside the restricted retention records.

The after-commit work runs in this process (Celery eager for this test): the
scenario stays inside the test's transaction, which the worker cannot see."""

import pytest
from django.core.cache import cache

from mlm.celery import app
from tests.privacy import lifecycle

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def tasks_in_process():
    """Celery runs the tasks here (errors propagate: CELERY_TASK_EAGER_PROPAGATES)."""
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = eager


@pytest.mark.django_db
def test_a_partner_and_a_customer_who_used_everything_are_erased_on_postgresql(
    clock, django_capture_on_commit_callbacks, monkeypatch, tasks_in_process
):
    cache.clear()

    def after_commit():
        return django_capture_on_commit_callbacks(execute=True)

    world = lifecycle.seed(clock=clock, after_commit=after_commit, monkeypatch=monkeypatch)
    lifecycle.erase_and_check(world, after_commit=after_commit)
