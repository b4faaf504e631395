"""Who prepared or added to the runs and collections so far: the preparer, and
every admin the payout log names for a preparation of it (a collection prepared
again by another admin had only the last one as `prepared_by`)."""

import re

from django.db import migrations


def seed(apps, schema_editor):
    PayoutRun = apps.get_model("payouts", "PayoutRun")
    DebitCollection = apps.get_model("payouts", "DebitCollection")
    PayoutLog = apps.get_model("payouts", "PayoutLog")
    for run in PayoutRun.objects.all().iterator():
        people = {run.prepared_by_id}
        people |= set(
            PayoutLog.objects.filter(action="run_prepared", payout_run=run)
            .exclude(actor=None)
            .values_list("actor_id", flat=True)
        )
        run.contributors.add(*(p for p in people if p))
    by_collection: dict[int, set[int]] = {}
    for message, actor_id in (
        PayoutLog.objects.filter(action="collection_prepared")
        .exclude(actor=None)
        .values_list("message", "actor_id")
    ):
        found = re.match(r"#(\d+) ", message or "")
        if found:
            by_collection.setdefault(int(found.group(1)), set()).add(actor_id)
    for collection in DebitCollection.objects.all().iterator():
        people = by_collection.get(collection.pk, set()) | {collection.prepared_by_id}
        collection.contributors.add(*(p for p in people if p))


class Migration(migrations.Migration):
    dependencies = [("payouts", "0008_four_eyes_contributors")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
