"""The "Support" staff role (reports 0001_staff_roles) sees the parcels of an
order and their tracking (a customer asks "where is my parcel?"); entering
parcels stays with whom an admin gives add_shipment. Idempotent; the group is
created if it is missing."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PERMISSIONS = ["view_shipment", "view_shipmentline"]


def grant(apps, schema_editor):
    # Permissions appear only after migrate (post_migrate): create this app's now.
    app_config = apps.get_app_config("fulfilment")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    group, _created = Group.objects.get_or_create(name="Support")
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="fulfilment", codename__in=PERMISSIONS)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("fulfilment", "0001_shipments"),
        ("reports", "0001_staff_roles"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
