"""Many sign-ups at once under the same sponsor, on the real PostgreSQL.

Each thread has its own database connection, as each web worker would. The
team sizes of the lines above grow through the ledger of team-size changes,
added up by the worker's task after commit.
"""

import random
import threading
import time
from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import translation

from partners.models import Partner, TeamSizeChange, User
from partners.selectors import partner_descendants, partner_team_size
from partners.services import partner_enroll, partner_move
from tests.factories import PartnerFactory

# The worker must be idle before the database is flushed after each test (a task
# holding locks would make the flush deadlock).
pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("worker_drained"),
]

THREADS = 20
SAME_SLUG_RACERS = 4


def run_at_once(jobs):
    """Start every job at the same moment; return each job's result or exception."""
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def worker(index, job):
        try:
            barrier.wait()
            # New threads speak the default language (German); the assertions read English.
            with translation.override("en"):
                results[index] = job()
        except Exception as exc:  # noqa: BLE001 -- reported to the test
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "an enrollment hung"
    return results


def team_sizes_applied(timeout: float = 30) -> None:
    """Wait until the worker's task has added up every pending team-size change."""
    deadline = time.monotonic() + timeout
    while TeamSizeChange.objects.exists():
        assert time.monotonic() < deadline, "the team-size changes were not applied"
        time.sleep(0.1)


def test_many_simultaneous_enrollments_under_one_sponsor():
    assert connection.vendor == "postgresql", "run with DATABASE_URL pointing at PostgreSQL"
    # Given a sponsor somewhere down a line
    root = PartnerFactory(slug="root")
    sponsor = PartnerFactory(slug="sponsor", sponsor=root)
    users_before = User.objects.count()

    def enroll(n, slug):
        return lambda: partner_enroll(
            email=f"racer{n}@example.com",
            first_name=f"Racer{n}",
            last_name="Test",
            slug=slug,
            sponsor=sponsor,
            terms_accepted=True,
        )

    distinct = THREADS - SAME_SLUG_RACERS
    jobs = [enroll(n, f"racer-{n}") for n in range(distinct)]
    jobs += [enroll(distinct + n, "same-slug") for n in range(SAME_SLUG_RACERS)]

    # When all of them sign up at the same moment
    results = run_at_once(jobs)

    # Then every distinct address succeeded with the right place in the tree
    winners = [r for r in results if isinstance(r, Partner)]
    failures = [r for r in results if not isinstance(r, Partner)]
    assert all(isinstance(r, Partner) for r in results[:distinct]), results[:distinct]
    for partner in Partner.objects.filter(sponsor=sponsor):
        assert partner.path == f"{root.pk}.{sponsor.pk}." and partner.depth == 2
    # ... and exactly one of the same-address racers won
    same = Counter(p.slug for p in winners)["same-slug"]
    assert same == 1
    assert len(failures) == SAME_SLUG_RACERS - 1
    for failure in failures:
        assert isinstance(failure, ValidationError), repr(failure)
        message = " ".join(failure.message_dict["slug"])
        assert "taken" in message
    # ... and nothing half-created: one login per partner, no login without partner
    assert Partner.objects.filter(sponsor=sponsor).count() == distinct + 1
    # ... and every sign-up counted once in the team sizes of the line above:
    # exactly at once (stored size + pending changes), stored after the task
    assert (partner_team_size(partner=sponsor), partner_team_size(partner=root)) == (
        distinct + 1,
        distinct + 2,
    )
    team_sizes_applied()
    sponsor.refresh_from_db()
    root.refresh_from_db()
    assert (sponsor.team_size, root.team_size) == (distinct + 1, distinct + 2)
    assert User.objects.count() == users_before + distinct + 1
    assert not User.objects.filter(partner__isnull=True).exists()


def test_simultaneous_enrollments_with_the_same_email_keep_one_account():
    assert connection.vendor == "postgresql"
    # Two different sponsors, so the sponsor lock does not serialize them
    anna, zoe = PartnerFactory(slug="anna"), PartnerFactory(slug="zoe")

    def enroll(slug, sponsor):
        return lambda: partner_enroll(
            email="twice@example.com", first_name="T", last_name="W", slug=slug, sponsor=sponsor
        )

    results = run_at_once([enroll("twice-a", anna), enroll("twice-b", zoe)])

    assert sum(isinstance(r, Partner) for r in results) == 1
    loser = next(r for r in results if not isinstance(r, Partner))
    assert isinstance(loser, ValidationError), repr(loser)
    assert "exists already" in " ".join(loser.message_dict["email"])
    assert User.objects.filter(email="twice@example.com").count() == 1
    assert Partner.objects.filter(slug__startswith="twice-").count() == 1


def test_sign_ups_all_over_a_leaders_team_and_a_move_leave_every_team_size_exact():
    assert connection.vendor == "postgresql"
    # Given a leader with a team of 30 in lines of different depths
    rng = random.Random(7)
    leader = PartnerFactory(slug="leader")
    team = [leader]
    for n in range(30):
        team.append(PartnerFactory(slug=f"member-{n}", sponsor=rng.choice(team)))
    sponsors = rng.sample(team[1:], 10)
    other = PartnerFactory(slug="other")

    def enroll(n, sponsor):
        return lambda: partner_enroll(
            email=f"line{n}@example.com", first_name="L", last_name=f"N{n}",
            slug=f"line-{n}", sponsor=sponsor,
        )  # fmt: skip

    def move():
        return partner_move(partner=team[1], new_sponsor=other, reason="test")

    # When 30 sign-ups below it (three under each of ten sponsors) and a move
    # of a part of its team happen at the same moment
    results = run_at_once([enroll(n, sponsors[n % 10]) for n in range(30)] + [move])

    # Then every one succeeded, and every team size is exact, before and after the task
    assert not [r for r in results if isinstance(r, Exception)], results
    everyone = list(Partner.objects.all())
    real = {p.pk: partner_descendants(partner=p).count() for p in everyone}
    assert {p.pk: partner_team_size(partner=p) for p in everyone} == real
    team_sizes_applied()
    assert dict(Partner.objects.values_list("pk", "team_size")) == real
