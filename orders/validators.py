"""Checks on what a customer types at checkout, shared by the form and order_place."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError as StdnumError

from partners.models import normalize_email

# Countries we can ship to, with their postal code format (pattern, example);
# the checkout offers those of SHIP_TO_COUNTRIES (orders.taxes.ship_to_countries).
COUNTRIES = {
    "DE": (gettext_lazy("Germany"), r"\d{5}", "10115"),
    "AT": (gettext_lazy("Austria"), r"\d{4}", "1010"),
    "CH": (gettext_lazy("Switzerland"), r"\d{4}", "8001"),
    "LU": (gettext_lazy("Luxembourg"), r"(?:L-?)?\d{4}", "1009"),
    "BE": (gettext_lazy("Belgium"), r"\d{4}", "1000"),
    "NL": (gettext_lazy("Netherlands"), r"\d{4} ?[A-Za-z]{2}", "1011 AB"),
    "BG": (gettext_lazy("Bulgaria"), r"\d{4}", "1000"),
    "CY": (gettext_lazy("Cyprus"), r"\d{4}", "1010"),
    "CZ": (gettext_lazy("Czechia"), r"\d{3} ?\d{2}", "110 00"),
    "DK": (gettext_lazy("Denmark"), r"\d{4}", "1050"),
    "EE": (gettext_lazy("Estonia"), r"\d{5}", "10111"),
    "ES": (gettext_lazy("Spain"), r"\d{5}", "28001"),
    "FI": (gettext_lazy("Finland"), r"\d{5}", "00100"),
    "FR": (gettext_lazy("France"), r"\d{5}", "75001"),
    "GR": (gettext_lazy("Greece"), r"\d{3} ?\d{2}", "105 57"),
    "HR": (gettext_lazy("Croatia"), r"\d{5}", "10000"),
    "HU": (gettext_lazy("Hungary"), r"\d{4}", "1011"),
    "IE": (gettext_lazy("Ireland"), r"[A-Z]\d[\dW] ?[A-Z\d]{4}", "D02 X285"),
    "IT": (gettext_lazy("Italy"), r"\d{5}", "00118"),
    "LT": (gettext_lazy("Lithuania"), r"(?:LT-)?\d{5}", "01100"),
    "LV": (gettext_lazy("Latvia"), r"(?:LV-)?\d{4}", "LV-1050"),
    "MT": (gettext_lazy("Malta"), r"[A-Z]{3} ?\d{4}", "VLT 1117"),
    "PL": (gettext_lazy("Poland"), r"\d{2}-\d{3}", "00-001"),
    "PT": (gettext_lazy("Portugal"), r"\d{4}-\d{3}", "1000-001"),
    "RO": (gettext_lazy("Romania"), r"\d{6}", "010011"),
    "SE": (gettext_lazy("Sweden"), r"\d{3} ?\d{2}", "111 22"),
    "SI": (gettext_lazy("Slovenia"), r"\d{4}", "1000"),
    "SK": (gettext_lazy("Slovakia"), r"\d{3} ?\d{2}", "811 01"),
}


def ship_to_choices() -> list[tuple[str, str]]:
    """The checkout's country choices: SHIP_TO_COUNTRIES, in their order."""
    return [(code, COUNTRIES[code][0]) for code in settings.SHIP_TO_COUNTRIES if code in COUNTRIES]


REQUIRED = ("email", "first_name", "last_name", "street", "postal_code", "city", "country")
# A business customer may give its company and VAT id (then the invoice names them).
OPTIONAL = ("company_name", "vat_id")
MAX_LENGTHS = {
    "first_name": 100,
    "last_name": 100,
    "street": 200,
    "city": 100,
    "postal_code": 10,
    "company_name": 200,
}


def vat_id_problem(vat_id: str) -> str | None:
    """A message when `vat_id` is not a valid EU VAT id (with its country prefix)."""
    try:
        eu_vat.validate(vat_id)
    except StdnumError:
        return _("This is not a valid VAT id. It starts with the country code, e.g. DE123456789.")
    return None


def vat_id_normalise(vat_id: str) -> str:
    """ "de 136 695 976" -> "DE136695976" (checked by vat_id_problem first)."""
    return eu_vat.compact(vat_id).upper() if vat_id else ""


def postal_code_problem(*, country: str, postal_code: str) -> str | None:
    if country not in COUNTRIES:
        return None
    label, pattern, example = COUNTRIES[country]
    if not re.fullmatch(pattern, postal_code or ""):
        return _("This is not a valid postal code for %(country)s (example: %(example)s).") % {
            "country": label,
            "example": example,
        }
    return None


def customer_data_clean(data: dict) -> dict:
    """Strip, normalise and check the customer's details. Raises one
    ValidationError with a message per field."""
    cleaned = {
        key: (str(data.get(key) or "")).strip() for key in (*REQUIRED, *OPTIONAL, "partner_code")
    }
    cleaned["email"] = normalize_email(cleaned["email"])
    cleaned["country"] = cleaned["country"].upper()
    cleaned["postal_code"] = re.sub(r"\s+", " ", cleaned["postal_code"]).upper()
    errors: dict[str, str] = {}
    for key in REQUIRED:
        if not cleaned[key]:
            errors[key] = _("This field is required.")
    for key, limit in MAX_LENGTHS.items():
        if len(cleaned[key]) > limit:
            errors[key] = _("Please use at most %(n)d characters.") % {"n": limit}
    if cleaned["email"] and "email" not in errors:
        try:
            validate_email(cleaned["email"])
        except ValidationError:
            errors["email"] = _("Please enter a valid e-mail address, e.g. name@example.com.")
    if cleaned["country"] and cleaned["country"] not in dict(ship_to_choices()):
        errors["country"] = _("Sorry, we do not ship to this country.")
    elif cleaned["postal_code"] and "postal_code" not in errors:
        problem = postal_code_problem(
            country=cleaned["country"], postal_code=cleaned["postal_code"]
        )
        if problem:
            errors["postal_code"] = problem
    if cleaned["vat_id"]:
        problem = vat_id_problem(cleaned["vat_id"])
        if problem:
            errors["vat_id"] = problem
        else:
            cleaned["vat_id"] = vat_id_normalise(cleaned["vat_id"])
    if errors:
        raise ValidationError(errors)
    return cleaned
