"""Fill Partner.team_size (how many partners are below each partner) from the
sponsor links, in two set-based statements (as partners.services does after a
bulk import; written out here so the migration stays as it is)."""

from django.db import migrations

COUNT_BELOW = """
WITH RECURSIVE up(ancestor_id) AS (
    SELECT sponsor_id FROM partners_partner WHERE sponsor_id IS NOT NULL
    UNION ALL
    SELECT p.sponsor_id FROM up JOIN partners_partner p ON p.id = up.ancestor_id
    WHERE p.sponsor_id IS NOT NULL
),
sizes AS (SELECT ancestor_id, COUNT(*) AS n FROM up GROUP BY ancestor_id)
UPDATE partners_partner SET team_size = sizes.n FROM sizes
WHERE sizes.ancestor_id = partners_partner.id AND partners_partner.team_size <> sizes.n
"""


def fill_team_size(apps, schema_editor):
    schema_editor.execute(COUNT_BELOW)


class Migration(migrations.Migration):
    dependencies = [("partners", "0004_partner_team_size_path_head_id")]
    operations = [migrations.RunPython(fill_team_size, migrations.RunPython.noop)]
