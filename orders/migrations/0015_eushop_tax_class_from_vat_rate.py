"""Today's German rates become the classes: 19 % standard, 7 % reduced."""

from decimal import Decimal

from django.db import migrations


def forwards(apps, schema_editor):
    Product = apps.get_model("orders", "Product")
    Product.objects.filter(vat_rate=Decimal("7.00")).update(tax_class="reduced")
    Product.objects.exclude(vat_rate=Decimal("7.00")).update(tax_class="standard")


def backwards(apps, schema_editor):
    Product = apps.get_model("orders", "Product")
    Product.objects.filter(tax_class="reduced").update(vat_rate=Decimal("7.00"))
    Product.objects.exclude(tax_class="reduced").update(vat_rate=Decimal("19.00"))


class Migration(migrations.Migration):
    dependencies = [("orders", "0014_eushop_product_tax_class")]

    operations = [migrations.RunPython(forwards, backwards)]
