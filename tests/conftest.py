import os
from datetime import UTC, datetime

import pytest
from django.utils import timezone, translation

from tests.factories import PartnerFactory


def pytest_configure(config):
    """MLM_TEST_CLOCK=2026-12-31T23:30:00+00:00 runs the whole suite with the clock
    started at that moment and ticking (CI runs it once at a month and year end), so
    a test that depends on today's date fails in CI, not on the 1st of a month."""
    moment = os.environ.get("MLM_TEST_CLOCK")
    if moment:
        import time_machine

        traveller = time_machine.travel(datetime.fromisoformat(moment), tick=True)
        traveller.start()
        config.add_cleanup(traveller.stop)


@pytest.fixture
def partner(db):
    return PartnerFactory(slug="anna", first_name="Anna", last_name="Albers")


@pytest.fixture
def chain(db):
    """A line of partners, root first: chain(depth) -> list.

    Written row by row with path, depth and team size as partner_enroll writes
    them: enrolling down one line inside the test's single transaction would
    update every ancestor's team size once per level (quadratic, and worse on
    PostgreSQL, where the row versions pile up until the transaction ends)."""

    def make(depth: int):
        from partners.genealogy import child_path
        from partners.models import Partner, User

        partners = [PartnerFactory()]
        root = partners[0]
        for level in range(1, depth + 1):
            parent = partners[-1]
            slug = f"{root.slug}-{level}"
            partners.append(
                Partner.objects.create(
                    user=User.objects.create(email=f"{slug}@example.com", password="!"),
                    first_name=f"Line{level}",
                    last_name="Muster",
                    slug=slug,
                    sponsor=parent,
                    path=child_path(parent.path, parent.pk),
                    depth=level,
                    team_size=depth - level,
                )
            )
        Partner.objects.filter(pk=root.pk).update(team_size=depth)
        root.team_size = depth
        return partners

    return make


@pytest.fixture(autouse=True)
def english_outside_requests():
    """Each test starts in English, whatever language an earlier test on the same
    worker left active (a page request picks its own language in LocaleMiddleware;
    a service called directly speaks the active one). Tests of German text say so."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    # Hashing dominates partner-heavy tests; strength is not under test here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def clock(monkeypatch):
    """Stand the clock at a moment: `clock(moment)` makes timezone.now() (and
    what reads it late, as the factories do) return it in UTC until the test
    ends or the clock is set again. Tests with fixed dates set it, so they pass
    whatever the machine's date."""

    def stand_at(moment):
        utc = moment.astimezone(UTC)
        monkeypatch.setattr(timezone, "now", lambda: utc)

    return stand_at


@pytest.fixture
def worker_drained():
    """After the test, wait until the Celery worker has no task queued or running,
    so the test database is not flushed under a task that still holds locks."""
    yield
    import time

    from tests.worker import worker_idle

    deadline = time.monotonic() + 180  # a wait limit, not a speed check
    while time.monotonic() < deadline:
        if worker_idle():
            return
        time.sleep(0.2)
    pytest.fail("the Celery worker was still busy 180 s after the test")
