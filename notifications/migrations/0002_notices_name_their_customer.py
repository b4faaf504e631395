"""Notices about a customer (a new order, a subscription change) carry the
customer's id from now on, so an erasure of that customer finds them; the
notices written before get it from their order or subscription."""

from django.db import migrations


def name_the_customer(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    Order = apps.get_model("orders", "Order")
    Subscription = apps.get_model("subscriptions", "Subscription")
    sources = {"order_new": Order, "subscription_changed": Subscription}
    for kind, model in sources.items():
        notices = Notification.objects.filter(kind=kind).only("pk", "key", "params")
        for notice in notices.iterator(chunk_size=2000):
            if "customer_id" in (notice.params or {}):
                continue
            source_id = notice.key.split(":")[1]
            customer_id = (
                model.objects.filter(pk=source_id).values_list("customer_id", flat=True).first()
            )
            if customer_id is not None:
                notice.params = {**notice.params, "customer_id": customer_id}
                notice.save(update_fields=["params"])


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_notifications_preferences_digests_push"),
        ("orders", "0012_merge_20261130_2047"),
        ("subscriptions", "0001_subscriptions"),
    ]

    operations = [migrations.RunPython(name_the_customer, migrations.RunPython.noop)]
