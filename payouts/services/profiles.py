"""Payout profiles: a partner's bank and tax details, checked and saved.

Setting or changing the IBAN needs the partner's password; a changed IBAN holds
the payouts for a while and the partner is told by e-mail; fixed bank details
release the payouts the bank returned, so they go out with the next run.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.models import Partner

from .. import validators
from ..models import PayoutItem, PayoutLog, PayoutProfile, TaxStatus, iban_mask
from ..tasks import iban_changed_notify
from .audit import payout_log
from .runs import payout_item_release


def payout_profile_clean(
    *,
    iban: str,
    bic: str,
    country: str,
    tax_status: str,
    tax_number: str,
    vat_id: str,
) -> dict[str, str]:
    """Check the formats of the bank and tax fields against each other; returns
    the normalised values. Empty fields are allowed here (a profile may be saved
    half-done); what is missing for a payout is payout_profile_missing's job."""
    errors: dict[str, list] = {}
    clean = {"iban": "", "bic": "", "tax_number": "", "vat_id": "", "country": country.upper()}

    def check(field, func, value):
        if value.strip():
            try:
                clean[field] = func(value)
            except ValidationError as exc:
                errors.setdefault(field, []).extend(exc.messages)

    check("iban", validators.iban_normalise, iban)
    check("bic", validators.bic_normalise, bic)
    check("tax_number", validators.tax_number_normalise, tax_number)
    check("vat_id", validators.vat_id_normalise, vat_id)
    if tax_status and tax_status not in TaxStatus.values:
        errors.setdefault("tax_status", []).append(_("Choose one of the tax statuses."))
    if clean["vat_id"] and "vat_id" not in errors:
        vat_country = validators.vat_id_country(clean["vat_id"])
        if tax_status in (TaxStatus.REGULAR, TaxStatus.SMALL_BUSINESS) and vat_country != "DE":
            errors.setdefault("vat_id", []).append(
                _("A German business has a German VAT id (USt-IdNr, DE…).")
            )
        if tax_status == TaxStatus.REVERSE_CHARGE:
            if vat_country == "DE":
                errors.setdefault("vat_id", []).append(
                    _("Reverse charge is for businesses in another EU state, not Germany.")
                )
            elif vat_country != clean["country"]:
                errors.setdefault("vat_id", []).append(
                    _("The VAT id must belong to the country of your business address.")
                )
    if tax_status == TaxStatus.REVERSE_CHARGE and clean["country"] not in (
        validators.EU_COUNTRIES - {"DE"}
    ):
        errors.setdefault("country", []).append(
            _("Reverse charge needs a business address in another EU state.")
        )
    if tax_status in (TaxStatus.REGULAR, TaxStatus.SMALL_BUSINESS) and clean["country"] != "DE":
        errors.setdefault("country", []).append(_("This tax status is for businesses in Germany."))
    if errors:
        raise ValidationError(errors)
    return clean


@transaction.atomic
def payout_profile_save(
    *,
    partner: Partner,
    actor,
    account_holder: str,
    iban: str,
    bic: str = "",
    company_name: str = "",
    street: str,
    postal_code: str,
    city: str,
    country: str,
    tax_status: str,
    tax_number: str = "",
    vat_id: str = "",
    password: str = "",
) -> PayoutProfile:
    """Save the partner's payout profile. Setting or changing the IBAN needs the
    partner's password; a change of an existing IBAN holds their payouts for
    PAYOUT_IBAN_HOLD_DAYS and the partner gets an e-mail about it."""
    clean = payout_profile_clean(
        iban=iban,
        bic=bic,
        country=country,
        tax_status=tax_status,
        tax_number=tax_number,
        vat_id=vat_id,
    )
    profile, _created = PayoutProfile.objects.select_for_update().get_or_create(partner=partner)
    old_iban = profile.iban
    old_holder = profile.account_holder
    iban_changed = clean["iban"] != old_iban
    if iban_changed and not partner.user.check_password(password or ""):
        raise ValidationError({"password": _("Please enter your password to change your IBAN.")})
    for field, value in (
        ("account_holder", account_holder),
        ("company_name", company_name),
        ("street", street),
        ("postal_code", postal_code),
        ("city", city),
    ):
        setattr(profile, field, " ".join(value.split()))
    profile.iban = clean["iban"]
    profile.bic = clean["bic"]
    profile.country = clean["country"]
    profile.tax_status = tax_status
    profile.tax_number = clean["tax_number"]
    profile.vat_id = clean["vat_id"]
    now = timezone.now()
    if iban_changed:
        profile.iban_changed_at = now
        if old_iban:
            profile.hold_until = now + timedelta(days=settings.PAYOUT_IBAN_HOLD_DAYS)
    profile.save()
    payout_log(action=PayoutLog.Action.PROFILE_SAVED, actor=actor, partner=partner)
    if iban_changed:
        payout_log(
            action=PayoutLog.Action.IBAN_CHANGED,
            actor=actor,
            partner=partner,
            message=f"{iban_mask(old_iban) or '-'} -> {iban_mask(profile.iban) or '-'}",
        )
        iban_changed_notify.delay_on_commit(profile.pk)
    if iban_changed or profile.account_holder != old_holder:
        # Fixed details: payouts the bank sent back can go with a later run.
        for item in PayoutItem.objects.filter(partner=partner, status=PayoutItem.Status.RETURNED):
            payout_item_release(item=item, actor=actor, note="bank details changed")
    return profile
