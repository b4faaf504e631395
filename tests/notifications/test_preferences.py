"""Each kind, each channel switchable by the partner; the daily digest batches
the e-mails of the kinds the partner chose for it, at most one a day."""

from datetime import date, timedelta

import pytest
from django.core import mail

from notifications import kinds, services
from notifications.models import DigestMail, Notification
from tests.factories import PartnerFactory

pytestmark = pytest.mark.django_db


def notify(partner, key="order:1", kind=kinds.ORDER_NEW, committed=None):
    params = {"number": key, "customer": "Maria S.", "total": "10.00"}
    with committed():
        services.notifications_create(kind=kind, items=[(partner.pk, key, params)])


def choose(partner, kind="order_new", language="de", **channels):
    services.preferences_save(partner=partner, choices={kind: channels}, language=language)


def mails_to(partner):
    return [m for m in mail.outbox if m.to == [partner.user.email]]


def test_defaults_are_list_and_immediate_mail(anna, committed):
    notify(anna, committed=committed)

    note = Notification.objects.get()
    assert (note.in_app, note.mail) == (True, "sent")
    assert len(mails_to(anna)) == 1


def test_mail_switched_off_lists_without_mail(anna, committed):
    choose(anna, in_app=True, email=False)
    notify(anna, committed=committed)

    assert Notification.objects.get().in_app
    assert mails_to(anna) == []


def test_list_switched_off_mails_but_does_not_list(anna, anna_client, committed):
    choose(anna, in_app=False, email=True)
    notify(anna, committed=committed)

    assert len(mails_to(anna)) == 1
    page = anna_client.get("/dashboard/notifications/").content.decode()
    assert "Maria S." not in page


def test_both_switched_off_keeps_nothing(anna, committed):
    choose(anna, in_app=False, email=False)
    notify(anna, committed=committed)

    assert not Notification.objects.exists()
    assert mails_to(anna) == []


def test_other_kinds_keep_their_defaults(anna, committed):
    choose(anna, kind="team_new", in_app=False, email=False)
    notify(anna, committed=committed)

    assert Notification.objects.filter(kind="order_new").exists()


def test_digest_batches_the_day_into_one_mail_at_most_once(anna, committed):
    ben = PartnerFactory()
    choose(anna, in_app=True, email=True, digest=True)
    notify(anna, key="order:1", committed=committed)
    notify(anna, key="order:2", committed=committed)
    notify(ben, key="order:3", committed=committed)  # ben mails at once
    assert mails_to(anna) == []

    assert services.digests_send(day=date(2026, 11, 30)) == 1
    assert services.digests_send(day=date(2026, 11, 30)) == 0  # the beat runs twice

    digest = mails_to(anna)
    assert len(digest) == 1
    assert "order:1" in digest[0].body and "order:2" in digest[0].body
    assert len(mails_to(ben)) == 1

    # Later the same day: waits for tomorrow's digest.
    notify(anna, key="order:4", committed=committed)
    assert services.digests_send(day=date(2026, 11, 30)) == 0
    assert Notification.objects.get(key="order:4").mail == "digest"
    assert services.digests_send(day=date(2026, 12, 1)) == 1
    assert len(mails_to(anna)) == 2
    assert DigestMail.objects.filter(partner=anna).count() == 2


def test_digest_lists_the_day_in_the_order_things_happened(anna, committed):
    choose(anna, in_app=True, email=True, digest=True)
    notify(anna, key="order:later", committed=committed)
    notify(anna, key="order:earlier", committed=committed)  # made second, paid first
    Notification.objects.filter(key="order:earlier").update(
        occurred_at=Notification.objects.get(key="order:later").occurred_at - timedelta(hours=2)
    )

    services.digests_send(day=date(2026, 11, 30))

    [digest] = mails_to(anna)
    assert digest.body.index("order:earlier") < digest.body.index("order:later")


def test_email_speaks_the_language_the_partner_chose(anna, committed):
    ben = PartnerFactory()
    choose(anna, language="en", in_app=True, email=True)
    notify(anna, key="order:1", committed=committed)
    notify(ben, key="order:2", committed=committed)

    assert "New order order:1 from Maria S.: 10.00 €" in mails_to(anna)[0].body
    assert "Neue Bestellung order:2 von Maria S.: 10,00 €" in mails_to(ben)[0].body


def test_settings_page_saves_the_table_of_kinds_and_channels(anna, anna_client, committed):
    page = anna_client.get("/dashboard/notifications/settings/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'for="id_order_new__email"' in html

    data = {"language": "en"}
    for kind in kinds.KINDS:
        data[f"{kind}__in_app"] = "on"
        data[f"{kind}__email"] = "on"
    del data["order_new__email"]
    response = anna_client.post("/dashboard/notifications/settings/", data)
    assert response.status_code == 302

    notify(anna, committed=committed)
    assert Notification.objects.get().mail == "none"
    assert mails_to(anna) == []


def test_settings_page_refuses_an_unknown_language(anna, anna_client):
    response = anna_client.post("/dashboard/notifications/settings/", {"language": "xx"})

    assert response.status_code == 400
    assert 'id="id_language_error"' in response.content.decode()


def test_a_partner_who_left_gets_no_more_mail(anna, committed):
    from partners.services import partner_set_status

    choose(anna, in_app=True, email=True, digest=True)
    notify(anna, key="order:1", committed=committed)
    ben = PartnerFactory()
    with mock_mail_task():
        notify(ben, key="order:2", committed=committed)
    partner_set_status(partner=anna, status="terminated", reason="left")
    partner_set_status(partner=ben, status="terminated", reason="left")

    assert services.digests_send(day=date(2026, 11, 30)) == 0
    assert services.notification_emails_sweep(older_than=timedelta(0)) == 0
    assert mails_to(anna) == [] and mails_to(ben) == []


def mock_mail_task():
    """The immediate mail's task is lost (the broker was down)."""
    from unittest import mock

    return mock.patch("notifications.tasks.notification_emails_send.delay")
