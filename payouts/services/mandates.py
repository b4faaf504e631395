"""SEPA direct-debit mandates (money coming in): the mandate text the
customer agrees to, the mandate with its reference, its revocation, and the
debit of one order scheduled against a mandate.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from orders.models import Order

from .. import validators
from ..models import DebitMandate, OrderDebit

# The standard SEPA core mandate wording (Deutsche Kreditwirtschaft / EPC),
# recurrent, with the shortened pre-notification the customer agrees to.
MANDATE_TEXTS = {
    "de": (
        "SEPA-Lastschriftmandat (wiederkehrende Zahlungen)\n"
        "Zahlungsempfänger: {company}, {street}, {postal_code} {city}\n"
        "Gläubiger-Identifikationsnummer: {creditor_id}\n"
        "Mandatsreferenz: wird separat mitgeteilt\n\n"
        "Ich ermächtige {company}, Zahlungen von meinem Konto mittels Lastschrift "
        "einzuziehen. Zugleich weise ich mein Kreditinstitut an, die von {company} auf "
        "mein Konto gezogenen Lastschriften einzulösen.\n\n"
        "Hinweis: Ich kann innerhalb von acht Wochen, beginnend mit dem Belastungsdatum, "
        "die Erstattung des belasteten Betrages verlangen. Es gelten dabei die mit meinem "
        "Kreditinstitut vereinbarten Bedingungen.\n\n"
        "Die Vorabankündigung (Pre-Notification) jeder Lastschrift erhalte ich spätestens "
        "{days} Kalendertage vor der Fälligkeit per E-Mail."
    ),
    "en": (
        "SEPA Direct Debit Mandate (recurrent payments)\n"
        "Creditor: {company}, {street}, {postal_code} {city}\n"
        "Creditor identifier: {creditor_id}\n"
        "Mandate reference: to be communicated separately\n\n"
        "By agreeing to this mandate, you authorise (A) {company} to send instructions to "
        "your bank to debit your account and (B) your bank to debit your account in "
        "accordance with the instructions from {company}.\n\n"
        "As part of your rights, you are entitled to a refund from your bank under the "
        "terms and conditions of your agreement with your bank. A refund must be claimed "
        "within 8 weeks starting from the date on which your account was debited.\n\n"
        "You will be told of each debit by e-mail at least {days} calendar days before it "
        "is due (pre-notification)."
    ),
}


def mandate_text(*, language: str) -> str:
    """The mandate wording to show the customer (and to store with the mandate)
    in German or English, with the company's name, address and creditor id."""
    template = MANDATE_TEXTS.get((language or "")[:2].lower())
    if template is None:
        raise ValidationError(
            _("The mandate text exists in German and English only, not in %(language)s.")
            % {"language": language or "-"}
        )
    return template.format(
        company=settings.COMPANY_NAME,
        street=settings.COMPANY_STREET,
        postal_code=settings.COMPANY_POSTAL_CODE,
        city=settings.COMPANY_CITY,
        creditor_id=validators.creditor_id_normalise(settings.SEPA_CREDITOR_ID),
        days=settings.SEPA_PRENOTIFICATION_DAYS,
    )


# Unambiguous upper-case letters and digits, like order numbers.
_REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def _mandate_reference_new(*, at) -> str:
    """MD-20261130-7KQ4MXPA2Z: date of signing and 10 random characters (SEPA
    charset, 20 long); unique by the database constraint."""
    import secrets

    code = "".join(secrets.choice(_REFERENCE_ALPHABET) for _i in range(10))
    return f"MD-{timezone.localtime(at):%Y%m%d}-{code}"


@transaction.atomic
def debit_mandate_create(
    *,
    customer,
    account_holder: str,
    iban: str,
    mandate_text: str,
    language: str,
    signed_at=None,
    bic: str = "",
) -> DebitMandate:
    """Store the mandate the customer gave at checkout: their bank details
    (checked and normalised), the text exactly as shown, its language and the
    date. Gets a new mandate reference. Raises ValidationError per field."""
    errors: dict[str, list] = {}
    holder = " ".join((account_holder or "").split())
    if not holder:
        errors["account_holder"] = [_("Please enter the account holder.")]
    elif len(holder) > 70:
        errors["account_holder"] = [_("The account holder may have at most 70 characters.")]
    clean_iban = clean_bic = ""
    if not (iban or "").strip():
        errors["iban"] = [_("Please enter the IBAN.")]
    else:
        try:
            clean_iban = validators.iban_normalise(iban)
        except ValidationError as exc:
            errors["iban"] = exc.messages
        else:
            if not _iban_in_sepa(clean_iban):
                errors["iban"] = [_("This IBAN is not in the SEPA area.")]
    if (bic or "").strip():
        try:
            clean_bic = validators.bic_normalise(bic)
        except ValidationError as exc:
            errors["bic"] = exc.messages
    if not (mandate_text or "").strip():
        errors["mandate_text"] = [_("The mandate text shown to the customer is missing.")]
    lang = (language or "")[:2].lower()
    if lang not in MANDATE_TEXTS:
        errors["language"] = [_("The mandate language must be German or English.")]
    if customer is None or customer.pk is None:
        errors["customer"] = [_("The mandate needs a customer.")]
    if errors:
        raise ValidationError(errors)
    signed_at = signed_at or timezone.now()
    for _attempt in range(5):
        reference = _mandate_reference_new(at=signed_at)
        if not DebitMandate.objects.filter(reference=reference).exists():
            break
    return DebitMandate.objects.create(
        customer=customer,
        reference=reference,
        account_holder=holder,
        iban=clean_iban,
        bic=clean_bic,
        mandate_text=mandate_text,
        language=lang,
        creditor_id=validators.creditor_id_normalise(settings.SEPA_CREDITOR_ID),
        signed_at=signed_at,
        evidence_date=timezone.localdate(signed_at),
    )


def _iban_in_sepa(iban: str) -> bool:
    from schwifty import IBAN

    return IBAN(iban).in_sepa_zone


@transaction.atomic
def debit_mandate_revoke(*, mandate: DebitMandate, at=None) -> DebitMandate:
    """The customer withdrew the mandate: no new debit may use it; debits
    already scheduled on it are cancelled only through their order."""
    mandate = DebitMandate.objects.select_for_update().get(pk=mandate.pk)
    if mandate.status == DebitMandate.Status.REVOKED:
        return mandate
    mandate.status = DebitMandate.Status.REVOKED
    mandate.revoked_at = at or timezone.now()
    mandate.save(update_fields=["status", "revoked_at", "updated_at"])
    return mandate


@transaction.atomic
def order_debit_schedule(*, order: Order, mandate: DebitMandate, due_date) -> OrderDebit:
    """Collect `order` (pending, payment by direct debit) from `mandate` on
    `due_date` or the first collection date after it. Idempotent per order: a
    second call returns the same debit (moved to the new mandate/date while it
    is only scheduled)."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    existing = OrderDebit.objects.select_for_update().filter(order=order).first()
    if existing is not None and existing.status != OrderDebit.Status.SCHEDULED:
        if existing.mandate_id == mandate.pk and existing.due_date == due_date:
            return existing
        raise ValidationError(
            _("The direct debit of order %(number)s is already %(status)s.")
            % {"number": order.number, "status": existing.get_status_display()}
        )
    if order.payment_method != Order.PaymentMethod.DIRECT_DEBIT:
        raise ValidationError(
            _("Order %(number)s is not paid by direct debit.") % {"number": order.number}
        )
    if order.status != Order.Status.PENDING:
        raise ValidationError(
            _("Only a pending order can be collected; order %(number)s is %(status)s.")
            % {"number": order.number, "status": order.get_status_display()}
        )
    if order.currency != "EUR" or order.total <= 0:
        raise ValidationError(_("A direct debit collects a positive amount in euros."))
    mandate = DebitMandate.objects.get(pk=mandate.pk)
    if mandate.customer_id != order.customer_id:
        raise ValidationError(_("This mandate belongs to another customer."))
    if mandate.status != DebitMandate.Status.ACTIVE:
        raise ValidationError(
            _("Mandate %(reference)s was revoked.") % {"reference": mandate.reference}
        )
    if existing is not None:
        existing.mandate = mandate
        existing.due_date = due_date
        existing.amount = order.total
        existing.save(update_fields=["mandate", "due_date", "amount", "updated_at"])
        return existing
    return OrderDebit.objects.create(
        order=order,
        mandate=mandate,
        amount=order.total,
        due_date=due_date,
        end_to_end_id=order.number[:35],
    )
