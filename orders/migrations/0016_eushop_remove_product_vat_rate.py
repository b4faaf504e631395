from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("orders", "0015_eushop_tax_class_from_vat_rate")]

    operations = [migrations.RemoveField(model_name="product", name="vat_rate")]
