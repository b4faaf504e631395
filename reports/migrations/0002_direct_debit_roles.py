"""The staff roles get the SEPA direct debit collections (issue 14): Finance
prepares them, the Finance approver approves and marks them submitted (four
eyes, as with payout runs); both see mandates and debits. Idempotent."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

VIEW = [
    "payouts.view_debitmandate",
    "payouts.view_orderdebit",
    "payouts.view_debitcollection",
]
ROLES = {
    "Finance": [*VIEW, "payouts.prepare_debitcollection"],
    "Finance approver": [*VIEW, "payouts.approve_debitcollection"],
    "Support": ["payouts.view_debitmandate", "payouts.view_orderdebit"],
}


def add_permissions(apps, schema_editor):
    app_config = apps.get_app_config("payouts")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    for group_name, perms in ROLES.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        for perm in perms:
            label, codename = perm.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=label, codename=codename)
            )


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_staff_roles"),
        ("payouts", "0007_direct_debit_notices_and_log_actions"),
    ]

    operations = [migrations.RunPython(add_permissions, migrations.RunPython.noop)]
