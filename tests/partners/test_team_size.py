"""Partner.team_size -- how many partners are below -- stays right through
enrollment, moves and bulk imports (the dashboard counts a team by it)."""

import csv

import pytest

from partners.imports import partners_import
from partners.models import Partner
from partners.services import partner_move, partner_team_sizes_refresh
from tests.factories import PartnerFactory

pytestmark = pytest.mark.django_db


def sizes(*partners) -> list[int]:
    by_id = dict(Partner.objects.values_list("pk", "team_size"))
    return [by_id[p.pk] for p in partners]


def test_enrolling_grows_the_team_of_everyone_above():
    anna = PartnerFactory()
    ben = PartnerFactory(sponsor=anna)
    dora = PartnerFactory(sponsor=ben)
    clara = PartnerFactory(sponsor=anna)

    assert sizes(anna, ben, clara, dora) == [3, 1, 0, 0]


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

    partners_import(path=path, progress=False)

    gus, hanna, ida, jan = (
        Partner.objects.get(external_id=e) for e in ("gus", "hanna", "ida", "jan")
    )
    assert sizes(anna, ben, gus, hanna, ida, jan) == [4, 2, 1, 0, 0, 0]
    # ... and enrolling after the import goes on from there
    PartnerFactory(sponsor=hanna)
    assert sizes(anna, ben, gus, hanna) == [5, 3, 2, 1]


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
