from django.db import migrations, models


def leave_room_for_updates(apps, schema_editor):
    # Pages filled to 70 % keep room for the new version of an updated row, so
    # PostgreSQL updates results in place (HOT) without touching any index.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE qualification_partnerperiodstats SET (fillfactor = 70)")


def fill_pages(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE qualification_partnerperiodstats RESET (fillfactor)")


class Migration(migrations.Migration):

    dependencies = [
        ('partners', '0002_path_binary_collation'),
        ('qualification', '0002_lean_indexes'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='partnerperiodstats',
            name='stats_period_rank',
        ),
        migrations.AddIndex(
            model_name='partnerperiodstats',
            index=models.Index(fields=['period'], name='stats_period'),
        ),
        migrations.RunPython(leave_room_for_updates, fill_pages),
    ]
