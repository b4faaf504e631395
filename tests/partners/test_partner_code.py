"""A partner's vanity code: unique ignoring case, never a reserved word or
another partner's address, and addresses never another partner's code."""

import pytest
from django.core.exceptions import ValidationError

from partners.models import Partner
from partners.services import partner_code_set
from partners.slugs import slug_is_taken, slug_validate
from tests.factories import PartnerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ben(db):
    return PartnerFactory(slug="ben")


def error_of(partner, code) -> str:
    with pytest.raises(ValidationError) as caught:
        partner_code_set(partner=partner, code=code)
    return " ".join(caught.value.message_dict["code"])


def test_a_code_is_stored_lower_case_and_can_be_cleared(partner):
    partner_code_set(partner=partner, code="  Anna10 ")
    assert Partner.objects.get(pk=partner.pk).code == "anna10"
    partner_code_set(partner=partner, code="")
    assert Partner.objects.get(pk=partner.pk).code is None


def test_codes_are_unique_ignoring_case(partner, ben):
    partner_code_set(partner=partner, code="anna10")
    assert "already taken" in error_of(ben, "ANNA10")
    assert Partner.objects.get(pk=ben.pk).code is None


def test_another_partners_address_is_refused_but_ones_own_is_fine(partner, ben):
    assert "already taken" in error_of(ben, "Anna")
    partner_code_set(partner=partner, code="anna")


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("admin", "reserved"),
        ("shop", "reserved"),
        ("ab", "3 to 40 characters"),
        ("x" * 41, "3 to 40 characters"),
        ("anna 10", "only letters"),
        ("anna%", "only letters"),
        ("-anna", "start or end with a hyphen"),
        ("anna\x00", "only letters"),
    ],
)
def test_bad_codes_are_refused_with_a_clear_message(partner, code, words):
    assert words in error_of(partner, code)
    assert Partner.objects.get(pk=partner.pk).code is None


def test_a_new_address_may_not_be_another_partners_code(partner):
    partner_code_set(partner=partner, code="glow")
    assert slug_is_taken("glow")
    with pytest.raises(ValidationError):
        slug_validate("glow")
