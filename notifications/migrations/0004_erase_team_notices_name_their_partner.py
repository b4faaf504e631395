"""Notices about a new team member carry the new partner's id from now on, so an
erasure of that partner finds them and cuts the name out; the notices written
before get it from their event key ("partner:<id>")."""

from django.db import migrations


def name_the_partner(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    notices = Notification.objects.filter(kind="team_new").only("pk", "key", "params")
    for notice in notices.iterator(chunk_size=2000):
        if "partner_id" in (notice.params or {}):
            continue
        prefix, _sep, partner_id = notice.key.partition(":")
        if prefix == "partner" and partner_id.isdigit():
            notice.params = {**(notice.params or {}), "partner_id": int(partner_id)}
            notice.save(update_fields=["params"])


class Migration(migrations.Migration):
    dependencies = [("notifications", "0003_notices_sorted_by_when_it_happened")]

    operations = [migrations.RunPython(name_the_partner, migrations.RunPython.noop)]
