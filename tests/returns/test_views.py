"""The withdrawal pages: two steps, no account, the same answer for every
declaration, bad input answered clearly and never with a server error."""

import re

import pytest
from django.core import signing

from returns.models import Return, Withdrawal

pytestmark = pytest.mark.django_db


def form(order=None, **overrides):
    data = {
        "name": "Karla Kundin",
        "reference": order.number if order else "2026-NOPE00",
        "email": order.email if order else "karla@example.org",
    }
    data.update(overrides)
    return data


def two_steps(client, data):
    first = client.post("/widerruf/", data)
    assert first.status_code == 200, first.content.decode()[:500]
    token = re.search(r'name="token" value="([^"]+)"', first.content.decode()).group(1)
    return client.post("/widerruf/bestaetigen/", {"token": token})


def test_every_page_links_to_the_withdrawal_form_in_its_footer(client):
    page = client.get("/shop/").content.decode()
    assert 'href="/widerruf/" class="footer-withdraw">Withdraw from contract here' in page


def test_the_form_asks_only_name_order_number_and_email(client):
    response = client.get("/widerruf/?order=2026-AB12CD")
    assert response.status_code == 200
    page = response.content.decode()
    the_form = re.search(r'<form method="post" action="/widerruf/".*?</form>', page, re.S).group(0)
    names = set(re.findall(r'<input[^>]+name="([a-z_]+)"', the_form)) - {"csrfmiddlewaretoken"}
    assert names == {"name", "reference", "email"}
    assert 'value="2026-AB12CD"' in page


def test_the_first_step_only_shows_the_details_back_with_the_confirm_button(
    client, ordered, mailoutbox
):
    order = ordered()
    mailoutbox.clear()
    response = client.post("/widerruf/", form(order))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Confirm withdrawal</button>" in page
    assert order.number in page and "Karla Kundin" in page
    assert not Withdrawal.objects.exists()
    assert mailoutbox == []


def test_confirming_records_the_withdrawal_and_shows_date_and_time(
    client, ordered, mailoutbox, committed
):
    order = ordered()
    mailoutbox.clear()
    with committed():
        response = two_steps(client, form(order))
    assert response.status_code == 200
    assert "Withdrawal received" in response.content.decode()
    withdrawal = Withdrawal.objects.get()
    assert withdrawal.order == order and withdrawal.status == Withdrawal.Status.OPEN
    assert Return.objects.filter(order=order).count() == 1
    assert [m.to for m in mailoutbox] == [[order.email]]


def _answer(response) -> str:
    """The page without what differs per request (form token, the time)."""
    page = response.content.decode()
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)
    return re.sub(r"\d{1,2}/\d{1,2}/\d{4}|\d{1,2}:\d{2}", "", page)


def test_an_unknown_order_gets_the_same_answer_as_a_real_one(client, ordered):
    order = ordered()
    known = two_steps(client, form(order))
    unknown = two_steps(client, form(order, reference="2026-ZZZZZZ"))
    other_email = two_steps(client, form(order, email="mallory@example.org"))
    assert known.status_code == unknown.status_code == other_email.status_code == 200
    assert _answer(unknown) == _answer(known).replace(order.email, order.email)
    assert _answer(other_email) == _answer(known).replace(order.email, "mallory@example.org")
    assert Withdrawal.objects.filter(status=Withdrawal.Status.UNMATCHED).count() == 2


@pytest.mark.parametrize(
    "overrides",
    [
        {"name": ""},
        {"email": "not-an-address"},
        {"reference": ""},
        {"name": "A" * 10_000},
        {"reference": "2026\x00AB"},
        {"email": "karla\x00@example.org"},
        {"email": "k" * 300 + "@example.org"},
    ],
)
def test_bad_input_is_answered_with_the_form_and_its_errors(client, overrides):
    response = client.post("/widerruf/", form(**overrides))
    assert response.status_code == 400
    assert "Please correct the marked fields below." in response.content.decode()
    assert not Withdrawal.objects.exists()


@pytest.mark.parametrize("token", ["", "garbage", "a" * 5000, "x:y:z"])
def test_a_broken_or_forged_confirmation_is_refused_clearly(client, token):
    response = client.post("/widerruf/bestaetigen/", {"token": token})
    assert response.status_code == 400
    assert "your withdrawal has not been sent yet" in response.content.decode()
    assert not Withdrawal.objects.exists()


def test_a_token_signed_for_bad_data_is_refused_too(client):
    token = signing.dumps({"name": "", "email": "x", "reference": ""}, salt="returns.withdrawal")
    response = client.post("/widerruf/bestaetigen/", {"token": token})
    assert response.status_code == 400


def test_the_confirmation_step_takes_no_get(client):
    assert client.get("/widerruf/bestaetigen/").status_code == 405


def test_many_declarations_from_one_client_are_limited(client, settings):
    settings.WITHDRAWAL_RATE_LIMIT_PER_CLIENT = (2, 3600)
    for n in range(2):
        assert two_steps(client, form(email=f"k{n}@example.org")).status_code == 200
    limited = two_steps(client, form(email="k9@example.org"))
    assert limited.status_code == 429
    assert "has not been sent yet" in limited.content.decode()
    assert Withdrawal.objects.count() == 2


def test_many_declarations_for_one_address_are_limited(client, settings):
    settings.WITHDRAWAL_RATE_LIMIT_PER_EMAIL = (1, 3600)
    assert two_steps(client, form()).status_code == 200
    assert two_steps(client, form()).status_code == 429


def test_the_order_confirmation_mail_links_to_the_withdrawal_form(ordered, mailoutbox):
    order = ordered(paid=False, shipped=False)
    [mail] = [m for m in mailoutbox if order.number in m.subject]
    assert f"/widerruf/?order={order.number}" in mail.body
    assert f"/widerruf/?order={order.number}" in mail.alternatives[0][0]


def test_the_pages_speak_german_by_default(client, settings):
    settings.LANGUAGE_CODE = "de"
    page = client.get("/widerruf/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Vertrag widerrufen" in page
