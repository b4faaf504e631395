import pytest
from django.db import connection

from partners.models import Partner
from partners.selectors import partner_descendants, partner_upline
from tests.factories import PartnerFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def test_subtree_read_uses_the_path_index_on_postgresql():
    root = PartnerFactory()
    child = PartnerFactory(sponsor=root)
    grandchild = PartnerFactory(sponsor=child)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = partner_descendants(partner=root).explain()
    assert "partner_path_head" in plan, plan
    assert set(partner_descendants(partner=root).values_list("pk", flat=True)) == {
        child.pk,
        grandchild.pk,
    }


def test_deep_paths_beyond_the_index_head_work_on_postgresql(chain):
    line = chain(1100)
    deepest = Partner.objects.get(pk=line[-1].pk)
    assert len(partner_upline(partner=deepest)) == 1100
    deep = Partner.objects.get(pk=line[900].pk)
    assert sorted(partner_descendants(partner=deep).values_list("pk", flat=True)) == [
        p.pk for p in line[901:]
    ]
