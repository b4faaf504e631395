"""Format checks of bank details and tax numbers (pure functions, no database).

Each returns the normalised value or raises ValidationError with a message a
partner understands."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from stdnum.de import stnr
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.iso7064 import mod_97_10

# stdnum names Greece "gr" (its VAT ids start with EL); Northern Ireland "xi".
EU_COUNTRIES = frozenset(c.upper() for c in eu_vat.MEMBER_STATES) - {"XI"}


def iban_normalise(value: str) -> str:
    try:
        return IBAN(value).compact
    except SchwiftyException as exc:
        raise ValidationError(
            _("This IBAN is not valid (%(reason)s). Please check it against your bank statement.")
            % {"reason": str(exc)},
            code="iban",
        ) from exc


def bic_normalise(value: str) -> str:
    try:
        return BIC(value).compact
    except SchwiftyException as exc:
        raise ValidationError(
            _("This BIC is not valid. Leave it empty if you are not sure."), code="bic"
        ) from exc


def tax_number_normalise(value: str) -> str:
    """A German Steuernummer, regional (10 or 11 digits) or federal (13 digits)."""
    try:
        return stnr.validate(value)
    except StdnumError as exc:
        raise ValidationError(
            _("This is not a valid German tax number (Steuernummer), e.g. 21/815/08150."),
            code="tax_number",
        ) from exc


def vat_id_normalise(value: str) -> str:
    """An EU VAT id with its country prefix (DE136695976, ATU13585627)."""
    try:
        return eu_vat.validate(value)
    except StdnumError as exc:
        raise ValidationError(
            _("This is not a valid VAT id. It starts with the country code, e.g. DE123456789."),
            code="vat_id",
        ) from exc


def vat_id_country(vat_id: str) -> str:
    """Country of a VAT id as ISO code (EL -> GR)."""
    prefix = vat_id[:2].upper()
    return "GR" if prefix == "EL" else prefix


# SEPA creditor identifier: country, 2 check digits, 3-character business code
# (not in the checksum, ZZZ in Germany), national id; German ids are 18 long.
CREDITOR_ID_RE = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{3}[A-Z0-9]{1,28}$")


def creditor_id_normalise(value: str) -> str:
    """A SEPA creditor identifier (Gläubiger-Identifikationsnummer), e.g. DE98ZZZ09999999999."""
    compact = "".join(value.split()).upper()
    valid = bool(CREDITOR_ID_RE.match(compact)) and mod_97_10.is_valid(compact[7:] + compact[:4])
    if valid and compact.startswith("DE") and len(compact) != 18:
        valid = False
    if not valid:
        raise ValidationError(
            _("This is not a valid SEPA creditor identifier, e.g. DE98ZZZ09999999999."),
            code="creditor_id",
        )
    return compact


# The characters SEPA allows in a mandate reference and end-to-end id.
SEPA_ID_RE = re.compile(r"^[A-Za-z0-9+?/\-:().,' ]{1,35}$")


def sepa_id_check(value: str) -> bool:
    return bool(SEPA_ID_RE.match(value)) and not value.startswith("/") and "//" not in value
