"""A payout run's list of what it left out names partners by id only (names are
read when the run is shown); the runs written before named them by landing
page address and full name: each entry takes the partner id of its payout item
(or of the address, when the item is gone) and loses the address and the name."""

from django.db import migrations


def by_id(apps, schema_editor):
    PayoutRun = apps.get_model("payouts", "PayoutRun")
    PayoutItem = apps.get_model("payouts", "PayoutItem")
    Partner = apps.get_model("partners", "Partner")
    for run in PayoutRun.objects.exclude(skipped=[]).only("pk", "skipped").iterator():
        entries = []
        for entry in run.skipped or []:
            if "partner_id" not in entry:
                partner_id = (
                    PayoutItem.objects.filter(pk=entry.get("item"))
                    .values_list("partner_id", flat=True)
                    .first()
                )
                if partner_id is None and entry.get("partner"):
                    partner_id = (
                        Partner.objects.filter(slug=entry["partner"])
                        .values_list("pk", flat=True)
                        .first()
                    )
                entry = {"partner_id": partner_id, **entry}
            entries.append({k: v for k, v in entry.items() if k not in ("partner", "name")})
        if entries != run.skipped:
            run.skipped = entries
            run.save(update_fields=["skipped"])


class Migration(migrations.Migration):
    dependencies = [
        ("payouts", "0009_four_eyes_contributors_from_the_log"),
        ("partners", "0001_initial"),
    ]

    operations = [migrations.RunPython(by_id, migrations.RunPython.noop)]
