"""The company's staff roles as groups (issue 11). Idempotent: running it again
adds what is missing and leaves everything else alone. A member also needs
"staff status" on the user to enter the admin."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

RESEND = ("orders", "order", "resend_order_confirmation", "Can re-send order e-mails")

SUPPORT = [
    "orders.view_order",
    "orders.view_orderline",
    "orders.view_ordertransition",
    "orders.view_refund",
    "orders.view_customer",
    "orders.view_customerbindingchange",
    "orders.view_attributionchange",
    "orders.view_product",
    "orders.resend_order_confirmation",
    "partners.view_partner",
]
FINANCE = [
    *SUPPORT,
    "orders.change_order",  # status actions and refunds go through the order
    "payouts.view_payoutprofile",
    "payouts.view_payoutlog",
    "payouts.view_bankstatement",
    "payouts.add_bankstatement",
    "payouts.view_banktransaction",
    "payouts.change_banktransaction",
    "payouts.view_creditnote",
    "payouts.view_payoutitem",
    "payouts.view_payoutrun",
    "payouts.prepare_payoutrun",
    "commissions.view_statement",
    "commissions.view_statementline",
    "commissions.view_periodcommissionsummary",
    "qualification.view_period",
]
FINANCE_APPROVER = [
    "payouts.view_payoutprofile",
    "payouts.view_bankstatement",
    "payouts.view_banktransaction",
    "payouts.view_creditnote",
    "payouts.view_payoutitem",
    "payouts.view_payoutrun",
    "payouts.approve_payoutrun",
    "commissions.view_statement",
    "commissions.view_statementline",
    "commissions.view_periodcommissionsummary",
    "qualification.view_period",
]
PLAN_MANAGER = [
    "qualification.view_rank",
    "qualification.add_rank",
    "qualification.change_rank",
    "qualification.view_commissionsettings",
    "qualification.change_commissionsettings",
    "qualification.view_period",
    "qualification.view_partnerperiodstats",
    "qualification.view_partnertitle",
    "commissions.view_statement",
    "commissions.view_periodcommissionsummary",
]
ROLES = {
    "Support": SUPPORT,
    "Finance": FINANCE,
    "Finance approver": FINANCE_APPROVER,
    "Plan manager": PLAN_MANAGER,
}


def create_roles(apps, schema_editor):
    # In a fresh database the permissions appear only after migrate (post_migrate):
    # create them now so they can be given to the groups.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    app_label, model, codename, name = RESEND
    content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
    Permission.objects.get_or_create(
        content_type=content_type, codename=codename, defaults={"name": name}
    )
    for group_name, perms in ROLES.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        for perm in perms:
            label, codename = perm.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=label, codename=codename)
            )


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("orders", "0008_merge_cv_and_payment_after_cancellation"),
        ("partners", "0005_fill_partner_team_size"),
        ("payouts", "0004_payout_runs"),
        ("qualification", "0005_commission_plan_and_cv"),
        ("commissions", "0003_skipped_partner_on_lines"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
