from django.db import migrations


def path_binary_collation(apps, schema_editor):
    # Subtree reads are byte ranges on `path`; PostgreSQL must compare it
    # byte-wise ("C"), as SQLite's default BINARY collation already does.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute('ALTER TABLE partners_partner ALTER COLUMN path TYPE text COLLATE "C"')


class Migration(migrations.Migration):
    dependencies = [("partners", "0001_initial")]
    operations = [migrations.RunPython(path_binary_collation, migrations.RunPython.noop)]
