"""Erasure (Art. 17): the person is pseudonymised, bookings stay and still add up,
retention-bound records are restricted and scrubbed when their retention ends."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db.models import Sum
from django.test import Client
from django.utils import timezone

from commissions.models import Statement
from orders.models import Customer, Order
from partners.models import Partner, User
from partners.slugs import slug_validate
from payouts.models import CreditNote, PayoutProfile
from payouts.services import credit_note_issue
from privacy.models import ErasureLog, Restriction
from privacy.services import person_erase, retention_end, retention_scrub_expired
from tests.factories import CustomerFactory, OrderFactory, PartnerFactory
from tests.payouts.conftest import profile_make, statement_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def booked(anna, admin):
    """Anna with a payout profile, an issued credit note, her own order and a customer's order."""
    from payouts.models import PayoutItem
    from payouts.services import payout_items_sync

    profile_make(anna)
    statement = statement_make(anna, period="2026-10", payout="123.45")
    payout_items_sync()
    note = credit_note_issue(item=PayoutItem.objects.get(statement=statement), actor=admin)
    own = OrderFactory(
        customer=CustomerFactory(email=anna.user.email, first_name="Anna", last_name="Albers"),
        first_name="Anna",
        last_name="Albers",
        street="Hauptstr. 1",
        city="Köln",
        attributed_partner=anna,
    )
    other = OrderFactory(attributed_partner=anna, first_name="Kai", last_name="Kunde")
    return {"note": note, "own": own, "other": other, "statement": statement}


def totals():
    return (
        Order.objects.aggregate(t=Sum("total"), q=Sum("qv")),
        Statement.objects.aggregate(p=Sum("payout")),
        CreditNote.objects.aggregate(g=Sum("gross"), n=Sum("net")),
        list(CreditNote.objects.values_list("pk", "number", "gross")),
    )


def test_erased_partner_is_pseudonymised_and_cannot_sign_in(anna, admin, booked):
    person_erase(subject_kind="partner", subject_id=anna.pk, actor=admin)
    anna.refresh_from_db()
    user = User.objects.get(pk=anna.user_id)
    assert (anna.first_name, anna.last_name) == ("Gelöscht", "Gelöscht")
    assert anna.slug == f"geloescht-{anna.pk}"
    assert anna.status == Partner.Status.TERMINATED
    assert user.email == f"erased-p{anna.pk}@invalid"
    assert not user.is_active and not user.has_usable_password()
    profile = PayoutProfile.objects.get(partner=anna)
    assert profile.iban == "" and profile.street == "" and profile.account_holder == ""
    assert not Client().login(email="anna-albers@example.com", password="correct-horse-battery")


def test_bookings_stay_and_add_up_after_erasure(anna, admin, booked):
    before = totals()
    person_erase(subject_kind="partner", subject_id=anna.pk, actor=admin)
    assert totals() == before
    assert Order.objects.filter(pk=booked["own"].pk).exists()


def test_credit_note_is_restricted_not_scrubbed_until_retention_ends(anna, admin, booked):
    note = booked["note"]
    recipient = dict(note.recipient)
    person_erase(subject_kind="partner", subject_id=anna.pk, actor=admin)
    note.refresh_from_db()
    assert note.recipient == recipient  # a booking document: kept
    restriction = Restriction.objects.get(model_label="payouts.CreditNote", object_id=note.pk)
    assert restriction.retain_until == date(note.issue_date.year + 8, 12, 31)

    assert retention_scrub_expired(today=restriction.retain_until) == 0  # last day: still kept
    assert retention_scrub_expired(today=restriction.retain_until + timedelta(days=1)) >= 1
    note.refresh_from_db()
    assert all(value == "" for value in note.recipient.values())
    assert bytes(note.pdf) == b""
    assert note.gross == booked["note"].gross  # the amounts stay


def test_own_order_keeps_name_and_address_restricted_but_loses_the_email(anna, admin, booked):
    person_erase(subject_kind="partner", subject_id=anna.pk, actor=admin)
    order = Order.objects.get(pk=booked["own"].pk)
    customer = Customer.objects.get(pk=order.customer_id)
    assert customer.first_name == "Gelöscht" and customer.pseudonymised_at
    assert order.email.endswith("@invalid")
    assert order.street == "Hauptstr. 1"  # invoice data: kept 8 years, admins only
    end = retention_end(document_date=order.placed_at, years=8)
    retention_scrub_expired(today=end + timedelta(days=1))
    order.refresh_from_db()
    assert (order.first_name, order.street, order.city) == ("Gelöscht", "", "")
    assert order.total == booked["own"].total


def test_retention_counts_from_the_end_of_the_year():
    assert retention_end(document_date=date(2026, 1, 2), years=8) == date(2034, 12, 31)
    assert retention_end(document_date=date(2026, 12, 31), years=10) == date(2036, 12, 31)


def test_landing_page_is_gone_and_the_address_is_blocked(anna, admin, client):
    assert client.get("/anna-albers/").status_code == 200
    person_erase(subject_kind="partner", subject_id=anna.pk, actor=admin)
    assert client.get("/anna-albers/").status_code == 404
    with pytest.raises(ValidationError):
        slug_validate("anna-albers")


def test_the_address_is_free_again_after_the_block(anna, admin, settings):
    settings.PRIVACY_SLUG_BLOCK_DAYS = 30
    person_erase(
        subject_kind="partner",
        subject_id=anna.pk,
        actor=admin,
        today=timezone.localdate() - timedelta(days=31),
    )
    assert slug_validate("anna-albers") == "anna-albers"


def test_customers_of_an_erased_partner_are_rebound_upline(admin):
    sponsor = PartnerFactory()
    anna = PartnerFactory(sponsor=sponsor)
    customer = CustomerFactory(bound_partner=anna)
    person_erase(subject_kind="partner", subject_id=anna.pk, actor=admin)
    customer.refresh_from_db()
    assert customer.bound_partner == sponsor


def test_erasure_log_has_no_personal_data(anna, admin, booked):
    person_erase(subject_kind="partner", subject_id=anna.pk, actor=admin)
    for log in ErasureLog.objects.all():
        text = f"{log.subject_kind} {log.subject_id} {log.scrubbed} {log.restricted}"
        assert "anna" not in text.lower() and "albers" not in text.lower()
    assert {log.subject_kind for log in ErasureLog.objects.all()} == {"partner", "customer"}


def test_customer_erasure_by_admin(admin):
    customer = CustomerFactory(email="kai@example.org", first_name="Kai", last_name="Kunde")
    order = OrderFactory(customer=customer, first_name="Kai", street="Weg 2")
    person_erase(subject_kind="customer", subject_id=customer.pk, actor=admin)
    customer.refresh_from_db()
    order.refresh_from_db()
    assert customer.email == f"erased-c{customer.pk}@invalid"
    assert order.email == customer.email and order.total > Decimal("0")


def test_replay_after_a_restore_erases_again_and_is_idempotent(anna, admin, booked):
    person_erase(subject_kind="partner", subject_id=anna.pk, actor=admin)
    # A backup from before the erasure comes back:
    Partner.objects.filter(pk=anna.pk).update(first_name="Anna", slug="anna-albers")
    User.objects.filter(pk=anna.user_id).update(email="anna@example.com", is_active=True)
    PayoutProfile.objects.filter(partner=anna).update(iban="DE89370400440532013000")
    Restriction.objects.all().delete()
    call_command("replay_erasures")
    call_command("replay_erasures")
    anna.refresh_from_db()
    assert anna.first_name == "Gelöscht" and anna.slug == f"geloescht-{anna.pk}"
    assert not User.objects.get(pk=anna.user_id).is_active
    assert PayoutProfile.objects.get(partner=anna).iban == ""
    assert Restriction.objects.filter(model_label="payouts.CreditNote").count() == 1
    assert ErasureLog.objects.count() == 2  # replay logs nothing new


def test_erasing_nobody_is_refused(admin):
    with pytest.raises(ValidationError):
        person_erase(subject_kind="customer", subject_id=999999, actor=admin)


def test_audit_rows_name_the_pseudonym_not_the_person(anna, admin):
    from orders.models import CustomerBindingChange
    from partners.models import StatusChange

    CustomerFactory(bound_partner=anna)
    StatusChange.objects.create(
        partner=anna,
        from_status="active",
        to_status="inactive",
        reason="Anna Albers asked for a pause",
    )
    person_erase(subject_kind="partner", subject_id=anna.pk, actor=admin)
    reasons = list(CustomerBindingChange.objects.values_list("reason", flat=True)) + list(
        StatusChange.objects.values_list("reason", flat=True)
    )
    assert reasons and not any("anna" in r.lower() or "albers" in r.lower() for r in reasons)


def test_stored_api_answers_lose_the_customers_email(admin):
    from orders.models import CompanyApiKey, IdempotencyKey

    customer = CustomerFactory(email="kai@example.org")
    api_key = CompanyApiKey.objects.create(
        name="Shop", source="shop", prefix="abc", key_hash="x" * 64, scopes=["orders:write"]
    )
    answer = IdempotencyKey.objects.create(
        api_key=api_key,
        key="k1",
        fingerprint="f" * 64,
        response_status=201,
        response_body={"number": "A-1", "customer_email": "kai@example.org", "total": "9.90"},
    )
    person_erase(subject_kind="customer", subject_id=customer.pk, actor=admin)
    answer.refresh_from_db()
    assert answer.response_body == {
        "number": "A-1",
        "customer_email": "[gelöscht]",
        "total": "9.90",
    }


def test_orders_that_came_through_the_partners_page_forget_the_address(anna, admin):
    order = OrderFactory(attributed_partner=anna, referral_slug="anna-albers")
    coded = OrderFactory(referral_code="anna-albers")
    person_erase(subject_kind="partner", subject_id=anna.pk, actor=admin)
    order.refresh_from_db()
    coded.refresh_from_db()
    assert order.referral_slug == "[gelöscht]" and coded.referral_code == "[gelöscht]"
    assert order.email != f"erased-p{anna.pk}@invalid"  # the customer's own data stays
