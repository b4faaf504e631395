from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("orders", "0013_order_business_customer")]

    operations = [
        migrations.AddField(
            model_name="product",
            name="tax_class",
            field=models.CharField(
                choices=[("standard", "standard rate"), ("reduced", "reduced rate")],
                default="standard",
                help_text=(
                    "Standard or reduced rate (food, teas, supplements: reduced). The rate "
                    "itself follows the country the order is delivered to."
                ),
                max_length=10,
                verbose_name="tax class",
            ),
        ),
    ]
