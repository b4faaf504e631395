from django.conf import settings
from django.core.checks import Warning, register


@register()
def stripe_configuration(app_configs, **kwargs):
    """Stripe without its webhook secret would take payments it never books."""
    if settings.STRIPE_SECRET_KEY and not settings.STRIPE_WEBHOOK_SECRET:
        return [
            Warning(
                "STRIPE_SECRET_KEY is set but STRIPE_WEBHOOK_SECRET is not: every Stripe webhook "
                "would be refused and paid orders would stay pending.",
                hint="Set STRIPE_WEBHOOK_SECRET to the signing secret of the /webhooks/stripe/ endpoint.",
                id="orders.W001",
            )
        ]
    return []
