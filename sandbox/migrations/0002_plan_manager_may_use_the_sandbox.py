"""The "Plan manager" staff role (reports 0001_staff_roles) may use the plan
sandbox: see its runs, start runs, and load a draft as the plan of the open
periods. Idempotent; the group is created if it is missing."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PERMISSIONS = ["view_sandboxrun", "run_sandbox", "load_plan"]


def grant(apps, schema_editor):
    # Permissions appear only after migrate (post_migrate): create this app's now.
    app_config = apps.get_app_config("sandbox")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    group, _created = Group.objects.get_or_create(name="Plan manager")
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="sandbox", codename__in=PERMISSIONS)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("sandbox", "0001_sandbox_run"),
        ("reports", "0001_staff_roles"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
