"""The cancellation page (§312k BGB) identifies consumer and contract: the
e-mail with the subscription number or the holder's last name. It answers the
same whatever matched, confirms to the address on file, is limited per client
and address, and the holder can take a cancellation back until it takes effect."""

from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from subscriptions.dates import company_today
from subscriptions.links import manage_key
from subscriptions.models import Subscription
from subscriptions.services import subscription_cancel_take_back, subscriptions_run

URL = "/abo/kuendigen/"


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()
    yield
    cache.clear()


def cancel(client, capture, **fields):
    data = {"email": "kim@example.org", "number": "", "last_name": "", "kind": "ordinary"}
    data.update(fields)
    with capture(execute=True):
        return client.post(URL, data, REMOTE_ADDR=fields.pop("ip", "203.0.113.5"))


def body_of(response) -> str:
    html = response.content.decode()
    return html.split("<main", 1)[-1].split("</main>", 1)[0]


def test_the_email_alone_cancels_nothing(client, subscribe, django_capture_on_commit_callbacks):
    subscription = subscribe(today=company_today())
    response = cancel(client, django_capture_on_commit_callbacks)
    assert response.status_code == 400
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.ACTIVE


def test_email_and_last_name_or_number_cancel_and_the_holder_is_told_at_the_address_on_file(
    client, subscribe, mailoutbox, django_capture_on_commit_callbacks
):
    first = subscribe(today=company_today())
    second = subscribe(today=company_today())
    mailoutbox.clear()
    cancel(client, django_capture_on_commit_callbacks, number=first.number.lower())
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("cancelled", "active")
    assert mailoutbox[-1].to == ["kim@example.org"] and first.number in mailoutbox[-1].body
    assert reverse("subscriptions:manage", kwargs={"key": manage_key(first)}) in (
        mailoutbox[-1].body
    )
    cancel(client, django_capture_on_commit_callbacks, email="KIM@example.org", last_name="Kunde")
    second.refresh_from_db()
    assert second.status == "cancelled"


def test_the_page_answers_the_same_whether_anything_matched(
    client, subscribe, django_capture_on_commit_callbacks, clock
):
    from datetime import UTC, datetime

    clock(datetime(2026, 1, 10, 9, 30, tzinfo=UTC))
    subscription = subscribe(today=date(2026, 1, 10), first_date=date(2026, 1, 20))
    wrong_name = cancel(client, django_capture_on_commit_callbacks, last_name="Fremd")
    unknown = cancel(
        client, django_capture_on_commit_callbacks, email="nobody@example.org", last_name="Kunde"
    )
    matched = cancel(client, django_capture_on_commit_callbacks, last_name="Kunde")
    subscription.refresh_from_db()
    assert subscription.status == "cancelled"
    assert wrong_name.status_code == unknown.status_code == matched.status_code == 200
    assert body_of(wrong_name) == body_of(unknown) == body_of(matched)


def test_the_holder_takes_the_cancellation_back_from_their_link_until_it_takes_effect(
    client, subscribe, django_capture_on_commit_callbacks
):
    subscription = subscribe(today=date(2026, 1, 10), first_date=date(2026, 1, 31))
    cancel(client, django_capture_on_commit_callbacks, number=subscription.number)
    subscription.refresh_from_db()
    assert subscription.revocable_until == date(2026, 1, 31)

    subscription_cancel_take_back(subscription=subscription, today=date(2026, 1, 30))
    subscription.refresh_from_db()
    assert subscription.status == "active" and subscription.next_date == date(2026, 1, 31)
    assert subscriptions_run(today=date(2026, 1, 31)).orders_created == 1

    cancel(client, django_capture_on_commit_callbacks, number=subscription.number)
    subscription.refresh_from_db()
    with translation.override("en"), pytest.raises(ValidationError, match="no longer be taken"):
        subscription_cancel_take_back(subscription=subscription, today=subscription.next_date)


def test_the_signed_link_offers_taking_the_cancellation_back(
    client, subscribe, django_capture_on_commit_callbacks
):
    subscription = subscribe(today=company_today(), first_date=company_today() + timedelta(days=5))
    url = reverse("subscriptions:manage", kwargs={"key": manage_key(subscription)})
    client.post(url, {"action": "cancel"})
    subscription.refresh_from_db()
    assert subscription.status == "cancelled"
    assert 'value="take_back"' in client.get(url).content.decode()
    client.post(url, {"action": "take_back"})
    subscription.refresh_from_db()
    assert subscription.status == "active"


def test_the_page_mails_an_unknown_address_a_few_times_only_and_answers_the_same(
    client, db, mailoutbox, django_capture_on_commit_callbacks
):
    answers = [
        cancel(
            client,
            django_capture_on_commit_callbacks,
            email="victim@example.org",
            last_name="Opfer",
            ip=f"203.0.113.{n}",
        )
        for n in range(20)
    ]
    assert len(mailoutbox) == 3  # per address
    assert {a.status_code for a in answers} == {200}
    assert len({body_of(a).count("<p>") for a in answers}) == 1

    mailoutbox.clear()
    for n in range(20):
        cancel(
            client,
            django_capture_on_commit_callbacks,
            email=f"someone{n}@example.org",
            last_name="X",
            ip="198.51.100.7",
        )
    assert len(mailoutbox) == 10  # per client
