from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ValidationError


@register()
def sepa_creditor_id(app_configs, **kwargs):
    """Every direct debit file and mandate carries the creditor id: a wrong one
    makes the bank refuse all collections."""
    from .validators import creditor_id_normalise

    try:
        creditor_id_normalise(settings.SEPA_CREDITOR_ID)
    except ValidationError:
        return [
            Error(
                f"SEPA_CREDITOR_ID {settings.SEPA_CREDITOR_ID!r} is not a valid SEPA creditor "
                "identifier.",
                hint="Set it to the Gläubiger-Identifikationsnummer the Bundesbank gave the "
                "company, e.g. DE98ZZZ09999999999.",
                id="payouts.E001",
            )
        ]
    return []
