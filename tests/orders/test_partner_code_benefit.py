"""The customer benefit of a partner code (orders.pricing): it lowers the price
and the CV of the goods by the same percentage, never the QV; first order only
when so configured; never for the partner's own order or a code that does not
name an active partner."""

from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from orders.emails import order_confirmation_email_send
from orders.models import Order, PartnerCodeBenefit
from orders.pricing import code_discount_percent, discounted, totals_for
from orders.services import order_mark_paid, order_refund
from partners.models import Partner
from partners.services import partner_code_set, partner_set_status
from tests.factories import PartnerFactory, ProductFactory

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def ten_percent_first_order(db):
    return PartnerCodeBenefit.objects.create(percent=D("10"), first_order_only=True)


# -- the rule, pure


@pytest.mark.parametrize(
    ("benefit", "first_only", "active", "own", "earlier", "expected"),
    [
        ("10", True, True, False, 0, "10"),
        ("10", True, True, False, 1, "0"),  # not the first order
        ("10", False, True, False, 3, "10"),  # every order
        ("0", False, True, False, 0, "0"),  # the admin set no benefit
        ("10", True, False, False, 0, "0"),  # paused or terminated partner's code
        ("10", True, True, True, 0, "0"),  # the partner's own order
    ],
)
def test_code_discount_percent(benefit, first_only, active, own, earlier, expected):
    assert code_discount_percent(
        benefit_percent=D(benefit),
        first_order_only=first_only,
        code_partner_active=active,
        own_order=own,
        earlier_orders=earlier,
    ) == D(expected)


def test_totals_with_a_discount_lower_goods_and_their_vat_but_not_shipping():
    totals = totals_for(
        [(D("20.00"), D("19"), 1), (D("10.00"), D("7"), 1)], discount_percent=D("10")
    )
    assert totals.subtotal == D("30.00")
    assert totals.discount == D("3.00")
    assert totals.shipping == D("4.90")  # charged on the goods before the discount
    assert totals.total == D("31.90")
    # VAT of what is paid: 18.00 + share of shipping at 19 %, 9.00 + share at 7 %
    assert totals.vat_total == totals.vat_by_rate[D("19")] + totals.vat_by_rate[D("7")]
    undiscounted = totals_for([(D("20.00"), D("19"), 1), (D("10.00"), D("7"), 1)])
    assert totals.vat_total < undiscounted.vat_total


@hsettings(max_examples=200, deadline=None)
@given(
    percent=st.decimals(min_value=0, max_value=50, places=2),
    qv=st.decimals(min_value=0, max_value=1000, places=2),
    cv=st.decimals(min_value=0, max_value=1000, places=2),
)
def test_a_discount_never_raises_cv_and_lowers_it_in_proportion(percent, qv, cv):
    lowered = discounted(cv, percent)
    assert D("0") <= lowered <= cv
    assert abs(lowered - cv * (100 - percent) / 100) <= D("0.005")


# -- at checkout


def test_first_order_with_a_code_gets_the_discount_on_price_and_cv_never_on_qv(
    place, partner, soap, ten_percent_first_order
):
    soap.cv = D("10.50")
    soap.save()

    order = place(code="anna", lines={soap.pk: 2})

    assert order.attributed_partner == partner and order.attribution == Order.Attribution.CODE
    assert order.subtotal == D("25.00")
    assert order.discount_percent == D("10") and order.discount == D("2.50")
    assert order.total == D("22.50") + order.shipping
    assert order.qv == D("20.00")  # 2 x 10.00, untouched
    assert order.cv == D("18.90")  # 2 x 10.50, less 10 %
    line = order.lines.get()
    assert (line.unit_price, line.unit_qv, line.unit_cv) == (D("12.50"), D("10.00"), D("9.45"))


def test_paid_discounted_order_books_the_whole_qv(place, partner, ten_percent_first_order):
    from qualification.models import VolumeEntry

    order = place(code="anna")
    order_mark_paid(order=order)

    booked = VolumeEntry.objects.filter(order=order)
    assert sum(e.qv for e in booked if e.partner_id == partner.pk) >= order.qv
    assert order.qv == D("10.00")


def test_second_order_of_the_customer_gets_no_first_order_benefit(
    place, partner, ten_percent_first_order
):
    place(code="anna")
    second = place(code="anna")
    assert second.discount == D("0") and second.discount_percent == D("0")


def test_two_checkouts_at_once_get_the_first_order_discount_only_once(
    place, partner, soap, ten_percent_first_order
):
    """Both checkouts were priced before either was written (two tabs, two
    phones): the second write finds the first order, is refused with a clear
    message and writes nothing."""
    from orders.services.checkout import _order_create, order_prepare

    data = {
        "email": "mia@example.org",
        "first_name": "Mia",
        "last_name": "Kundin",
        "street": "Blumenweg 3",
        "postal_code": "10115",
        "city": "Berlin",
        "country": "DE",
        "partner_code": "anna",
    }
    first = order_prepare(cart_lines={soap.pk: 1}, customer_data=data)
    second = order_prepare(cart_lines={soap.pk: 1}, customer_data=data)
    assert first.discount_percent == second.discount_percent == D("10")

    _order_create(draft=first, checkout_token="tab-1")
    with pytest.raises(ValidationError) as refused:
        _order_create(draft=second, checkout_token="tab-2")

    assert "first order" in " ".join(refused.value.message_dict["partner_code"])
    assert Order.objects.filter(email="mia@example.org").count() == 1
    # Reviewed again, the second checkout is priced in full.
    again = order_prepare(cart_lines={soap.pk: 1}, customer_data=data)
    assert again.discount_percent == D("0")


def test_every_order_benefit_applies_again(place, partner):
    PartnerCodeBenefit.objects.create(percent=D("5"), first_order_only=False)
    place(code="anna")
    assert place(code="anna").discount_percent == D("5")


def test_no_benefit_without_a_code_or_when_none_is_configured(place, partner):
    assert place(code="").discount == D("0")
    PartnerCodeBenefit.objects.create(percent=D("0"))
    assert place(email="other@example.org", code="anna").discount == D("0")


def test_no_benefit_for_the_partners_own_order(place, partner, ten_percent_first_order):
    order = place(email=partner.user.email, code="anna")
    assert order.attribution == Order.Attribution.SELF and order.discount == D("0")


@pytest.mark.parametrize("status", [Partner.Status.TERMINATED, Partner.Status.INACTIVE])
def test_codes_of_terminated_or_paused_partners_are_refused_and_give_nothing(
    place, partner, ten_percent_first_order, status
):
    partner_code_set(partner=partner, code="anna10")
    partner_set_status(partner=partner, status=status, reason="test")
    with pytest.raises(ValidationError) as caught:
        place(code="ANNA10")
    assert "partner_code" in caught.value.message_dict
    assert not Order.objects.exists()


def test_a_vanity_code_attributes_like_the_address_and_gets_the_benefit(
    place, partner, ten_percent_first_order
):
    partner_code_set(partner=partner, code="Anna10")

    order = place(code=" ANNA10 ")

    assert order.attributed_partner == partner and order.attribution == Order.Attribution.CODE
    assert order.discount_percent == D("10")


def test_a_code_behind_a_binding_still_gives_the_customer_the_benefit_but_not_the_order(
    place, partner, ten_percent_first_order
):
    ben = PartnerFactory(slug="ben")
    first = place(email="new@example.org", code="ben")  # binds to Ben
    assert first.attributed_partner == ben
    # A later order with Anna's code stays Ben's (lifetime binding) and is not a first order.
    later = place(email="new@example.org", code="anna")
    assert later.attributed_partner == ben and later.discount == D("0")


def test_partial_refund_of_a_discounted_order_pays_back_what_was_paid(
    place, partner, soap, ten_percent_first_order
):
    cream = ProductFactory(name="Creme", price=D("20.00"), qv=D("5"), cv=D("10.00"))
    order = place(code="anna", lines={soap.pk: 1, cream.pk: 1})
    order_mark_paid(order=order)
    line = order.lines.get(product=cream)

    refund = order_refund(order=order, quantities={line.pk: 1})

    assert refund.amount == D("18.00")  # 20.00 less 10 %
    assert refund.cv == D("9.00") and refund.qv == D("5.00")


def test_review_confirmation_page_and_mail_show_the_discount(client, partner, soap, settings):
    from tests.orders.helpers import checkout

    settings.LANGUAGE_CODE = "en"
    PartnerCodeBenefit.objects.create(percent=D("10"), first_order_only=True)
    client.post("/cart/add/", {"product": soap.pk})
    from tests.orders.helpers import CHECKOUT_FORM

    client.post("/checkout/", {**CHECKOUT_FORM, "partner_code": "anna"})
    review = client.get("/checkout/review/").content.decode()
    assert "Partner code discount" in review and "1.25" in review.replace(",", ".")

    order = checkout(client, soap, partner_code="anna", email="zwei@example.org")  # 2 in the cart
    page = client.get(f"/order/{order.number}/").content.decode()
    assert order.discount == D("2.50")
    assert "Partner code discount (10" in page
    order_confirmation_email_send(order=order)
    message = mail.outbox[-1]
    assert "Partner code discount (10" in message.body
    assert "Partner code discount (10" in message.alternatives[0][0]


def test_the_admin_edits_the_one_benefit_row(admin_client):
    response = admin_client.get("/admin/orders/partnercodebenefit/")
    benefit = PartnerCodeBenefit.objects.get()
    assert response.status_code == 302 and str(benefit.pk) in response.url
    url = f"/admin/orders/partnercodebenefit/{benefit.pk}/change/"

    too_much = admin_client.post(url, {"percent": "60", "first_order_only": "on"})
    assert too_much.status_code == 200 and PartnerCodeBenefit.objects.get().percent == D("0")

    admin_client.post(url, {"percent": "10", "first_order_only": "on"})
    assert PartnerCodeBenefit.objects.get().percent == D("10")
    assert PartnerCodeBenefit.objects.count() == 1
