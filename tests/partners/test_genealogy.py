import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from partners.genealogy import PATH_HEAD
from partners.models import Partner, SponsorChange
from partners.selectors import partner_descendants, partner_upline
from partners.services import partner_move
from tests.factories import PartnerFactory

pytestmark = pytest.mark.django_db


def test_enrolled_partner_knows_its_upline_root_first(chain):
    anna, ben, clara = chain(2)
    assert [p.pk for p in partner_upline(partner=clara)] == [anna.pk, ben.pk]
    assert clara.depth == 2


def test_subtree_holds_the_whole_team_and_nobody_else():
    anna = PartnerFactory()
    ben = PartnerFactory(sponsor=anna)
    dora = PartnerFactory(sponsor=ben)
    clara = PartnerFactory(sponsor=anna)
    outsider = PartnerFactory()
    team = set(partner_descendants(partner=anna).values_list("pk", flat=True))
    assert team == {ben.pk, dora.pk, clara.pk}
    assert outsider.pk not in team
    assert set(partner_descendants(partner=ben).values_list("pk", flat=True)) == {dora.pk}


def test_ids_sharing_leading_digits_are_not_mistaken_for_a_team():
    # Partner 1's team must not contain partner 12's team.
    roots = [PartnerFactory() for _ in range(12)]
    child_of_last = PartnerFactory(sponsor=roots[-1])
    assert child_of_last.pk not in set(
        partner_descendants(partner=roots[0]).values_list("pk", flat=True)
    )


def test_upline_and_subtree_are_one_query_each_at_depth_1200(chain):
    line = chain(1200)
    deepest = Partner.objects.get(pk=line[-1].pk)
    assert len(deepest.path) > PATH_HEAD
    with CaptureQueriesContext(connection) as upline_queries:
        upline = partner_upline(partner=deepest)
    assert len(upline) == 1200 and len(upline_queries) == 1
    middle = Partner.objects.get(pk=line[600].pk)
    with CaptureQueriesContext(connection) as subtree_queries:
        team = list(partner_descendants(partner=middle).values_list("pk", flat=True))
    assert len(subtree_queries) == 1
    assert sorted(team) == sorted(p.pk for p in line[601:])


def test_moving_a_partner_moves_the_whole_team(django_user_model):
    admin = django_user_model.objects.create_superuser(email="admin@example.com", password="x")
    anna = PartnerFactory()
    ben = PartnerFactory(sponsor=anna)
    dora = PartnerFactory(sponsor=ben)
    zoe = PartnerFactory()
    change = partner_move(
        partner=ben, new_sponsor=zoe, changed_by=admin, reason="Wechsel auf Wunsch"
    )
    dora.refresh_from_db()
    ben.refresh_from_db()
    assert ben.sponsor == zoe and ben.depth == 1
    assert [p.pk for p in partner_upline(partner=dora)] == [zoe.pk, ben.pk]
    assert dora.depth == 2
    assert list(partner_descendants(partner=anna)) == []
    assert change.team_size == 1 and change.from_sponsor == anna and change.changed_by == admin
    assert SponsorChange.objects.count() == 1


def test_moving_a_partner_under_their_own_downline_is_refused():
    anna = PartnerFactory()
    ben = PartnerFactory(sponsor=anna)
    dora = PartnerFactory(sponsor=ben)
    with pytest.raises(ValidationError, match="own team"):
        partner_move(partner=anna, new_sponsor=dora, reason="test")
    dora.refresh_from_db()
    assert dora.path == f"{anna.pk}.{ben.pk}." and SponsorChange.objects.count() == 0


def test_a_move_needs_a_reason():
    anna, zoe = PartnerFactory(), PartnerFactory()
    ben = PartnerFactory(sponsor=anna)
    with pytest.raises(ValidationError):
        partner_move(partner=ben, new_sponsor=zoe, reason="  ")
