"""The gap to the next rank on each results row (the close-to-a-rank list's
order, indexed), filled for the open periods from the current plan. Closed
periods keep no gap: their list is never shown."""

from django.db import migrations, models


def fill_open_periods(apps, schema_editor):
    Rank = apps.get_model("qualification", "Rank")
    ranks = list(Rank.objects.order_by("level").values_list("level", "min_pv", "min_gv"))
    if not ranks:
        return
    greatest = "GREATEST" if schema_editor.connection.vendor == "postgresql" else "MAX"
    whens, params = [], []
    for level, min_pv, min_gv in ranks:
        whens.append(f"WHEN paid_as_level < %s THEN {greatest}(%s - pv, %s - gv, 0)")
        params += [level, min_pv, min_gv]
    schema_editor.execute(
        "UPDATE qualification_partnerperiodstats SET next_gap = CASE "
        + " ".join(whens)
        + " ELSE NULL END WHERE period_id IN "
        "(SELECT id FROM qualification_period WHERE status = 'open')",
        params,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("qualification", "0007_period_close_speaks_the_admins_language"),
    ]

    operations = [
        migrations.AddField(
            model_name="partnerperiodstats",
            name="next_gap",
            field=models.DecimalField(
                blank=True,
                decimal_places=2,
                max_digits=16,
                null=True,
                verbose_name="missing for the next rank",
            ),
        ),
        migrations.AddIndex(
            model_name="partnerperiodstats",
            index=models.Index(
                condition=models.Q(("next_gap__isnull", False)),
                fields=["period", "next_gap", "partner"],
                name="stats_next_gap",
            ),
        ),
        migrations.RunPython(fill_open_periods, migrations.RunPython.noop),
    ]
