"""Checks on what a customer types at checkout, shared by the form and order_place."""

import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError as StdnumError

from partners.models import normalize_email

# Countries we ship to, with their postal code format (pattern, example).
COUNTRIES = {
    "DE": (gettext_lazy("Germany"), r"\d{5}", "10115"),
    "AT": (gettext_lazy("Austria"), r"\d{4}", "1010"),
    "CH": (gettext_lazy("Switzerland"), r"\d{4}", "8001"),
    "LU": (gettext_lazy("Luxembourg"), r"(?:L-?)?\d{4}", "1009"),
    "BE": (gettext_lazy("Belgium"), r"\d{4}", "1000"),
    "NL": (gettext_lazy("Netherlands"), r"\d{4} ?[A-Za-z]{2}", "1011 AB"),
}
COUNTRY_CHOICES = [(code, label) for code, (label, _pattern, _example) in COUNTRIES.items()]

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
    if cleaned["country"] and cleaned["country"] not in COUNTRIES:
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
