"""Partner.team_size -- how many partners are below -- stays right through
enrollment, moves and bulk imports (the dashboard counts a team by it).

Sign-ups and moves write team-size changes to a ledger that a task adds up
after commit (unit tests run in one transaction that never commits, so
`sizes` runs the task itself); partner_team_size is exact before it runs."""

import csv

import pytest

from partners.imports import partners_import
from partners.models import Partner, TeamSizeChange
from partners.selectors import partner_team_size
from partners.services import (
    partner_enroll,
    partner_move,
    partner_set_status,
    partner_team_sizes_refresh,
)
from partners.tasks import apply_team_size_changes
from tests.factories import PartnerFactory

pytestmark = pytest.mark.django_db


def sizes(*partners) -> list[int]:
    """The stored team sizes after the task has added the pending changes."""
    apply_team_size_changes()
    by_id = dict(Partner.objects.values_list("pk", "team_size"))
    return [by_id[p.pk] for p in partners]


def stored(*partners) -> list[int]:
    by_id = dict(Partner.objects.values_list("pk", "team_size"))
    return [by_id[p.pk] for p in partners]


def exact(*partners) -> list[int]:
    return [partner_team_size(partner=p) for p in partners]


def test_enrolling_grows_the_team_of_everyone_above():
    anna = PartnerFactory()
    ben = PartnerFactory(sponsor=anna)
    dora = PartnerFactory(sponsor=ben)
    clara = PartnerFactory(sponsor=anna)

    assert sizes(anna, ben, clara, dora) == [3, 1, 0, 0]


def test_a_sign_up_waits_on_nobody_and_counts_exactly_before_the_task_adds_it():
    anna = PartnerFactory()
    ben = PartnerFactory(sponsor=anna)
    assert sizes(anna, ben) == [1, 0]

    dora = partner_enroll(
        email="dora@example.com", first_name="Dora", last_name="D", slug="dora", sponsor=ben
    )

    # the sign-up wrote one change per partner above; the rows are not touched yet
    assert stored(anna, ben, dora) == [1, 0, 0]
    assert sorted(TeamSizeChange.objects.values_list("partner_id", "delta")) == [
        (anna.pk, 1),
        (ben.pk, 1),
    ]
    assert exact(anna, ben, dora) == [2, 1, 0]
    # the task adds them up once, however often it runs
    assert sizes(anna, ben, dora) == [2, 1, 0]
    assert sizes(anna, ben, dora) == [2, 1, 0]
    assert not TeamSizeChange.objects.exists()
    assert exact(anna, ben, dora) == [2, 1, 0]


def test_a_move_before_the_task_ran_still_ends_exact():
    anna = PartnerFactory()
    ben = PartnerFactory(sponsor=anna)
    dora = PartnerFactory(sponsor=ben)
    zoe = PartnerFactory()

    dora_2 = partner_enroll(
        email="d2@example.com", first_name="Dora", last_name="Z", slug="dora-2", sponsor=dora
    )
    # Dora's sign-up not added yet when Ben's team moves to Zoe
    partner_move(partner=ben, new_sponsor=zoe, reason="test")

    assert exact(anna, ben, dora, dora_2, zoe) == [0, 2, 1, 0, 3]
    assert sizes(anna, ben, dora, dora_2, zoe) == [0, 2, 1, 0, 3]


def test_a_termination_leaves_every_team_size_as_it_is():
    anna = PartnerFactory()
    ben = PartnerFactory(sponsor=anna)
    PartnerFactory(sponsor=ben)

    partner_set_status(partner=ben, status=Partner.Status.TERMINATED, reason="test")

    assert sizes(anna, ben) == [2, 1]
    assert exact(anna, ben) == [2, 1]


def test_a_move_takes_the_whole_team_from_the_old_line_to_the_new():
    anna = PartnerFactory()
    ben = PartnerFactory(sponsor=anna)
    dora = PartnerFactory(sponsor=ben)
    clara = PartnerFactory(sponsor=anna)
    finn = PartnerFactory(sponsor=clara)
    zoe = PartnerFactory()

    partner_move(partner=ben, new_sponsor=finn, reason="test")
    assert sizes(anna, ben, clara, dora, finn, zoe) == [4, 1, 3, 0, 2, 0]

    partner_move(partner=clara, new_sponsor=zoe, reason="test")
    assert sizes(anna, ben, clara, dora, finn, zoe) == [0, 1, 3, 0, 2, 4]

    partner_move(partner=finn, new_sponsor=None, reason="test")
    assert sizes(anna, ben, clara, dora, finn, zoe) == [0, 1, 0, 0, 2, 1]


def test_an_import_leaves_every_team_size_right(tmp_path):
    anna = PartnerFactory(external_id="anna")
    ben = PartnerFactory(sponsor=anna, external_id="ben")
    path = tmp_path / "partners.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["external_id", "email", "first_name", "last_name", "sponsor_external_id"])
        writer.writerow(["gus", "gus@example.com", "Gus", "Muster", "ben"])
        writer.writerow(["hanna", "hanna@example.com", "Hanna", "Muster", "gus"])
        writer.writerow(["ida", "ida@example.com", "Ida", "Muster", "anna"])
        writer.writerow(["jan", "jan@example.com", "Jan", "Muster", ""])

    partner_enroll(  # pending when the import recounts
        email="kim@example.com", first_name="Kim", last_name="K", slug="kim", sponsor=ben
    )
    partners_import(path=path, progress=False)

    gus, hanna, ida, jan = (
        Partner.objects.get(external_id=e) for e in ("gus", "hanna", "ida", "jan")
    )
    # the recount includes the pending sign-up and drops its changes: counted once
    assert stored(anna, ben, gus, hanna, ida, jan) == [5, 3, 1, 0, 0, 0]
    assert not TeamSizeChange.objects.exists()
    assert sizes(anna, ben, gus, hanna, ida, jan) == [5, 3, 1, 0, 0, 0]
    # ... and enrolling after the import goes on from there
    PartnerFactory(sponsor=hanna)
    assert sizes(anna, ben, gus, hanna) == [6, 4, 2, 1]


def test_the_refresh_repairs_wrong_sizes():
    anna = PartnerFactory()
    ben = PartnerFactory(sponsor=anna)
    PartnerFactory(sponsor=ben)
    Partner.objects.filter(pk=anna.pk).update(team_size=7)
    Partner.objects.filter(pk=ben.pk).update(team_size=0)
    leaf = PartnerFactory()
    Partner.objects.filter(pk=leaf.pk).update(team_size=3)

    partner_team_sizes_refresh()

    assert sizes(anna, ben, leaf) == [2, 1, 0]


def test_a_burst_of_sign_ups_queues_one_apply_task_and_the_next_burst_another(
    django_capture_on_commit_callbacks, monkeypatch
):
    from django.core.cache import cache

    cache.clear()
    queued = []
    monkeypatch.setattr(apply_team_size_changes, "delay", lambda: queued.append(1))
    anna = PartnerFactory()

    def sign_up(slug):
        with django_capture_on_commit_callbacks(execute=True):
            partner_enroll(
                email=f"{slug}@example.com", first_name="N", last_name="N", slug=slug, sponsor=anna
            )

    sign_up("one")
    sign_up("two")
    sign_up("three")
    assert len(queued) == 1  # the queued task has not started: it will see all three
    assert exact(anna) == [3]

    assert sizes(anna) == [3]  # the task ran and cleared the mark
    sign_up("four")
    assert len(queued) == 2
    assert sizes(anna) == [4]


def test_with_the_cache_down_every_sign_up_queues_its_apply_task(
    django_capture_on_commit_callbacks, monkeypatch
):
    from django.core.cache import cache

    queued = []
    monkeypatch.setattr(apply_team_size_changes, "delay", lambda: queued.append(1))
    # What django-redis answers with IGNORE_EXCEPTIONS when Redis is gone.
    monkeypatch.setattr(cache, "add", lambda *args, **kwargs: None)
    anna = PartnerFactory()

    for slug in ("one", "two"):
        with django_capture_on_commit_callbacks(execute=True):
            partner_enroll(
                email=f"{slug}@example.com", first_name="N", last_name="N", slug=slug, sponsor=anna
            )

    assert len(queued) == 2
    assert sizes(anna) == [2]
