from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from payouts.models import PayoutLog, PayoutProfile, TaxStatus, iban_mask
from payouts.selectors import payout_blockers, payout_profile_missing
from payouts.services import payout_profile_save

from .conftest import IBAN, IBAN_2, PASSWORD, profile_data

pytestmark = pytest.mark.django_db


def save(partner, **overrides):
    return payout_profile_save(partner=partner, actor=partner.user, **profile_data(**overrides))


def test_complete_profile_has_nothing_missing_and_stores_compact_iban(anna):
    profile = save(anna)
    assert profile.iban == IBAN
    assert profile.tax_number == "2181508150"
    assert payout_profile_missing(profile=profile) == []


def test_iban_with_wrong_check_digits_is_refused(anna):
    with pytest.raises(ValidationError) as exc:
        save(anna, iban="DE89 3704 0044 0532 0130 01")
    assert "iban" in exc.value.message_dict
    assert not PayoutProfile.objects.exists()


def test_bic_is_optional_but_checked(anna):
    assert save(anna, bic="COBADEFFXXX").bic == "COBADEFFXXX"
    with pytest.raises(ValidationError) as exc:
        save(anna, bic="NOT A BIC", password=PASSWORD)
    assert "bic" in exc.value.message_dict


def test_iban_is_shown_masked():
    assert iban_mask(IBAN) == "DE89 **** **** **** **30 00"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"tax_status": "regular", "tax_number": "", "vat_id": "DE136695975"}, "vat_id"),
        ({"tax_status": "small_business", "tax_number": "12345"}, "tax_number"),
        ({"tax_status": "reverse_charge", "country": "AT", "vat_id": "DE136695976"}, "vat_id"),
        ({"tax_status": "reverse_charge", "country": "AT", "vat_id": "NL004495445B01"}, "vat_id"),
        ({"tax_status": "reverse_charge", "country": "DE", "vat_id": "ATU13585627"}, "country"),
        ({"tax_status": "regular", "tax_number": "", "vat_id": "ATU13585627"}, "vat_id"),
    ],
)
def test_tax_numbers_are_checked_for_format_and_status(anna, overrides, field):
    with pytest.raises(ValidationError) as exc:
        save(anna, **overrides)
    assert field in exc.value.message_dict


def test_reverse_charge_needs_the_vat_id_of_the_eu_state(anna):
    profile = save(
        anna, tax_status="reverse_charge", country="AT", tax_number="", vat_id="ATU13585627"
    )
    assert profile.vat_id == "ATU13585627"
    assert payout_profile_missing(profile=profile) == []
    profile = save(anna, tax_status="reverse_charge", country="AT", tax_number="", vat_id="")
    assert payout_profile_missing(profile=profile) == [
        "The VAT id of your business in its EU state."
    ]


def test_regular_needs_a_tax_number_or_a_vat_id(anna):
    profile = save(anna, tax_status="regular", tax_number="", vat_id="")
    assert payout_profile_missing(profile=profile) == [
        "Your tax number (Steuernummer) or VAT id (USt-IdNr)."
    ]
    profile = save(anna, tax_status="regular", tax_number="", vat_id="DE136695976")
    assert payout_profile_missing(profile=profile) == []


def test_missing_items_are_listed_plainly(anna):
    assert len(payout_profile_missing(profile=None)) == 1
    profile = save(anna, account_holder="", street="", tax_status="", tax_number="")
    assert payout_profile_missing(profile=profile) == [
        "The account holder, exactly as your bank knows it.",
        "Your business address (street, postal code, city, country).",
        "Your tax status (regular, small business or EU reverse charge).",
    ]


def test_setting_the_iban_needs_the_password(anna):
    with pytest.raises(ValidationError) as exc:
        save(anna, password="wrong")
    assert "password" in exc.value.message_dict
    assert not PayoutProfile.objects.exists()


def test_other_changes_need_no_password(anna):
    save(anna)
    profile = save(anna, city="Bonn", password="")
    assert profile.city == "Bonn"
    assert profile.hold_until is None


def test_changing_the_iban_holds_payouts_for_three_days_and_mails_the_partner(
    anna, django_capture_on_commit_callbacks
):
    save(anna)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        profile = save(anna, iban=IBAN_2)
    assert profile.iban == IBAN_2
    held_for = profile.hold_until - timezone.now()
    assert timedelta(days=2, hours=23) < held_for <= timedelta(days=3)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [anna.user.email]
    assert iban_mask(IBAN_2) in mail.outbox[0].body
    assert IBAN_2 not in mail.outbox[0].body
    blockers = payout_blockers(profile=profile)
    assert len(blockers) == 1 and "IBAN was changed" in blockers[0]
    assert payout_blockers(profile=profile, at=timezone.now() + timedelta(days=3, minutes=1)) == []
    change = PayoutLog.objects.get(action=PayoutLog.Action.IBAN_CHANGED, message__contains="DE02")
    assert change.actor == anna.user


def test_changing_the_iban_with_a_wrong_password_changes_nothing(anna):
    save(anna)
    with pytest.raises(ValidationError):
        save(anna, iban=IBAN_2, password="guess")
    profile = PayoutProfile.objects.get()
    assert profile.iban == IBAN and profile.hold_until is None


def test_dashboard_page_shows_masked_iban_and_what_is_missing(anna, anna_client):
    url = reverse("dashboard:payout_profile")
    response = anna_client.get(url)
    assert response.status_code == 200
    assert "We cannot pay out commissions to you yet" in response.text
    response = anna_client.post(url, profile_data())
    assert response.status_code == 302
    response = anna_client.get(url)
    assert "DE89 **** **** **** **30 00" in response.text
    assert IBAN not in response.text
    assert "Your payout details are complete" in response.text
    assert PayoutProfile.objects.get().tax_status == TaxStatus.SMALL_BUSINESS


def test_dashboard_empty_iban_keeps_the_stored_one(anna, anna_client):
    url = reverse("dashboard:payout_profile")
    anna_client.post(url, profile_data())
    response = anna_client.post(url, profile_data(iban="", password="", city="Bonn"))
    assert response.status_code == 302
    profile = PayoutProfile.objects.get()
    assert profile.iban == IBAN and profile.city == "Bonn"


def test_dashboard_bad_iban_is_a_400_with_a_message(anna, anna_client):
    response = anna_client.post(reverse("dashboard:payout_profile"), profile_data(iban="DE00 1234"))
    assert response.status_code == 400
    assert "This IBAN is not valid" in response.text
    assert not PayoutProfile.objects.exists()
