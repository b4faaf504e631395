"""qualification.md section 3, rule by rule, through order_place (the one place
attribution is resolved)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from orders.attribution import Referral
from orders.models import Customer, CustomerBindingChange, Order
from orders.services import customer_get_or_create
from partners.models import Partner
from partners.services import partner_set_status
from tests.factories import PartnerFactory

pytestmark = pytest.mark.django_db
A = Order.Attribution


def landing(partner, *, days_ago=0, source=A.LANDING):
    return Referral(
        slug=partner.slug, seen_at=timezone.now() - timedelta(days=days_ago), source=source
    )


@pytest.fixture
def ben(db):
    return PartnerFactory(slug="ben", first_name="Ben", last_name="Berger")


@pytest.fixture
def clara(db):
    return PartnerFactory(slug="clara", first_name="Clara", last_name="Conrad")


def bind(email, partner):
    customer = customer_get_or_create(email=email)
    customer.bound_partner = partner
    customer.bound_at = timezone.now()
    customer.save()
    return customer


# 3.1 own orders


def test_partner_signed_in_ordering_gets_own_volume_even_with_another_code(place, partner, ben):
    order = place(
        user=partner.user, email="someone-else@example.org", code="ben", referral=landing(ben)
    )
    assert order.attributed_partner == partner
    assert order.attribution == A.SELF


def test_guest_with_the_partners_account_email_in_any_case_and_spaces_is_own(place, partner, ben):
    order = place(email="  ANNA@Example.COM ", referral=landing(ben))
    assert (order.attributed_partner, order.attribution) == (partner, A.SELF)
    assert order.email == "anna@example.com"


def test_own_order_beats_an_existing_binding_and_does_not_bind_the_partner(place, partner, ben):
    bind("anna@example.com", ben)
    order = place(email="anna@example.com")
    assert (order.attributed_partner, order.attribution) == (partner, A.SELF)
    assert Customer.objects.get(email="anna@example.com").bound_partner == ben


def test_own_order_of_a_self_customer_does_not_bind(place, partner):
    place(email="anna@example.com")
    assert Customer.objects.get(email="anna@example.com").bound_partner is None


def test_terminated_partner_ordering_is_not_own_volume(place, partner):
    partner_set_status(partner=partner, status=Partner.Status.TERMINATED, reason="left")
    order = place(user=partner.user, email="anna@example.com")
    assert order.attributed_partner is None and order.attribution == A.NONE


# 3.2 lifetime binding


def test_bound_customer_wins_over_code_and_landing_page_in_lifetime_mode(
    place, partner, ben, clara
):
    bind("kunde@example.org", partner)
    order = place(code="ben", referral=landing(clara))
    assert (order.attributed_partner, order.attribution) == (partner, A.BOUND)
    assert order.referral_code == "ben" and order.referral_slug == "clara"  # what the checkout saw


def test_binding_is_found_by_email_case_insensitive(place, partner, ben):
    bind("kunde@example.org", partner)
    order = place(email=" Kunde@EXAMPLE.org", code="ben")
    assert order.attributed_partner == partner


# 3.5 last touch


def test_last_touch_mode_lets_the_code_win_over_the_binding(place, partner, ben, settings):
    settings.ATTRIBUTION_MODE = "last_touch"
    bind("kunde@example.org", partner)
    order = place(code="ben")
    assert (order.attributed_partner, order.attribution) == (ben, A.CODE)
    # the lifetime binding itself stays with the first partner
    assert Customer.objects.get(email="kunde@example.org").bound_partner == partner


def test_last_touch_mode_lets_the_landing_page_win_over_the_binding(place, partner, ben, settings):
    settings.ATTRIBUTION_MODE = "last_touch"
    bind("kunde@example.org", partner)
    order = place(referral=landing(ben))
    assert (order.attributed_partner, order.attribution) == (ben, A.LANDING)


def test_last_touch_mode_without_referral_keeps_the_bound_partner(place, partner, settings):
    settings.ATTRIBUTION_MODE = "last_touch"
    bind("kunde@example.org", partner)
    order = place()
    assert (order.attributed_partner, order.attribution) == (partner, A.BOUND)


# 3.3 referral context


def test_code_beats_landing_page_and_cookie(place, partner, ben):
    order = place(code=" BEN ", referral=landing(partner, source=A.COOKIE))
    assert (order.attributed_partner, order.attribution) == (ben, A.CODE)
    assert order.referral_code == "ben"


def test_landing_page_visit_attributes_when_nothing_else_does(place, partner):
    order = place(referral=landing(partner))
    assert (order.attributed_partner, order.attribution) == (partner, A.LANDING)
    assert order.referral_slug == "anna"


def test_consented_cookie_attributes_with_reason_cookie(place, partner):
    order = place(referral=landing(partner, days_ago=3, source=A.COOKIE))
    assert (order.attributed_partner, order.attribution) == (partner, A.COOKIE)


def test_no_context_goes_to_the_company(place):
    order = place()
    assert order.attributed_partner is None and order.attribution == A.NONE


def test_landing_visit_older_than_the_window_attributes_nothing(place, partner, settings):
    settings.ATTRIBUTION_WINDOW_DAYS = 30
    assert (
        place(referral=landing(partner, days_ago=31), email="late@example.org").attributed_partner
        is None
    )
    assert (
        place(referral=landing(partner, days_ago=29), email="inside@example.org").attributed_partner
        == partner
    )


def test_window_is_a_setting(place, partner, settings):
    settings.ATTRIBUTION_WINDOW_DAYS = 7
    assert place(referral=landing(partner, days_ago=8)).attribution == A.NONE


# 3.6 invalid codes and referrals


@pytest.mark.parametrize("status", [None, Partner.Status.INACTIVE, Partner.Status.TERMINATED])
def test_unknown_inactive_or_terminated_code_is_refused_at_the_field_and_nothing_is_saved(
    place, ben, status
):
    if status:
        partner_set_status(partner=ben, status=status, reason="test")
    code = "ben" if status else "nobody"
    with pytest.raises(ValidationError) as excinfo:
        place(code=code)
    assert "partner_code" in excinfo.value.message_dict
    assert code in excinfo.value.message_dict["partner_code"][0]
    assert not Order.objects.exists() and not Customer.objects.exists()


@pytest.mark.parametrize("status", [Partner.Status.INACTIVE, Partner.Status.TERMINATED])
def test_landing_visit_of_a_partner_no_longer_active_attributes_nothing(place, ben, status):
    referral = landing(ben)
    partner_set_status(partner=ben, status=status, reason="test")
    order = place(referral=referral)
    assert order.attributed_partner is None and order.attribution == A.NONE


# 3.4 first attributed order binds


def test_first_attributed_order_binds_the_customer_and_later_orders_follow(place, partner, ben):
    first = place(code="anna")
    customer = Customer.objects.get(email="kunde@example.org")
    assert customer.bound_partner == partner and customer.bound_at is not None
    later = place(referral=landing(ben))  # e.g. in /shop/ or via another partner's page
    assert (first.attribution, later.attribution) == (A.CODE, A.BOUND)
    assert later.attributed_partner == partner


def test_order_without_partner_does_not_bind(place):
    place()
    assert Customer.objects.get(email="kunde@example.org").bound_partner is None


# 3.8 partner status


def test_inactive_partner_keeps_bound_customers_and_their_orders_count(place, partner):
    place(code="anna")
    partner_set_status(partner=partner, status=Partner.Status.INACTIVE, reason="pause")
    order = place()
    assert (order.attributed_partner, order.attribution) == (partner, A.BOUND)


def test_inactive_partner_attracts_no_new_customers(place, partner):
    partner_set_status(partner=partner, status=Partner.Status.INACTIVE, reason="pause")
    order = place(referral=landing(partner), email="new@example.org")
    assert order.attributed_partner is None


def test_terminated_partners_customers_are_rebound_to_the_nearest_active_upline(place, chain):
    root, mid, leaf = chain(2)
    partner_set_status(partner=mid, status=Partner.Status.INACTIVE, reason="pause")
    place(code=leaf.slug)
    partner_set_status(partner=leaf, status=Partner.Status.TERMINATED, reason="left")

    customer = Customer.objects.get(email="kunde@example.org")
    assert customer.bound_partner == root  # mid is paused: the nearest *active* one
    change = CustomerBindingChange.objects.get(customer=customer)
    assert (change.from_partner, change.to_partner) == (leaf, root)
    assert leaf.slug in change.reason
    order = place()
    assert (order.attributed_partner, order.attribution) == (root, A.BOUND)


# 2. lines are copies; QV = sum of quantity x unit QV


def test_order_lines_copy_name_price_vat_and_qv_and_later_edits_change_nothing(place, soap, cream):
    order = place(lines={soap.pk: 2, cream.pk: 3})
    soap.name, soap.price, soap.qv, soap.vat_rate = (
        "Neue Seife",
        Decimal("99.00"),
        Decimal("1"),
        "7.00",
    )
    soap.save()
    line = order.lines.get(product=soap)
    line.refresh_from_db()
    assert (line.name, line.unit_price, line.unit_qv, line.vat_rate) == (
        "Seife",
        Decimal("12.50"),
        Decimal("10.00"),
        Decimal("19.00"),
    )
    order.refresh_from_db()
    assert order.qv == Decimal("95.00")  # 2 x 10 + 3 x 25
    assert order.subtotal == Decimal("114.70")  # 2 x 12.50 + 3 x 29.90


def test_order_qv_is_the_sum_of_quantity_times_unit_qv(place, soap, cream):
    @hsettings(max_examples=15, deadline=None)
    @given(st.integers(1, 99), st.integers(1, 99))
    def check(q1, q2):
        order = place(lines={soap.pk: q1, cream.pk: q2}, token=None)
        assert (
            order.qv
            == q1 * soap.qv + q2 * cream.qv
            == sum(line.line_qv for line in order.lines.all())
        )

    check()


# --- "own order": one rule (orders.attribution) for checkout, admin, import, booking


def test_own_order_rule_compares_account_email_case_and_spaces_ignored():
    from orders.attribution import order_is_own_for

    assert order_is_own_for(
        customer_email=" Anna@Example.com", partner_id=1, partner_email="anna@example.com"
    )
    assert not order_is_own_for(
        customer_email="kunde@example.com", partner_id=1, partner_email="anna@example.com"
    )
    assert not order_is_own_for(
        customer_email="anna@example.com", partner_id=None, partner_email="anna@example.com"
    )
    # placed as the partner's own order (signed in), whatever e-mail was typed
    assert order_is_own_for(
        customer_email="other@example.com",
        partner_id=1,
        partner_email="anna@example.com",
        attribution="self",
        attributed_partner_id=1,
    )


def test_an_order_given_to_a_partner_is_their_own_when_the_emails_match():
    from orders.attribution import attribution_for_assigned, order_binds_customer

    kw = {"partner_email": "anna@example.com", "reason": "import"}
    assert attribution_for_assigned(customer_email="ANNA@example.com", partner_id=1, **kw) == "self"
    assert (
        attribution_for_assigned(customer_email="kunde@example.com", partner_id=1, **kw) == "import"
    )
    assert (
        attribution_for_assigned(customer_email="kunde@example.com", partner_id=None, **kw)
        == "none"
    )
    assert order_binds_customer(partner_id=1, attribution="import")
    assert not order_binds_customer(partner_id=1, attribution="self")
    assert not order_binds_customer(partner_id=None, attribution="none")
