"""The list in the dashboard, the unread badge in its nav, marking read."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications import kinds, services
from notifications.models import Notification
from tests.factories import PartnerFactory

pytestmark = pytest.mark.django_db


def notify(partner, count, start=0):
    services.notifications_create(
        kind=kinds.TEAM_NEW,
        items=[
            (partner.pk, f"partner:{i}", {"name": f"Ben{i} B."})
            for i in range(start, start + count)
        ],
    )


def badge(client, url="/dashboard/"):
    html = client.get(url).content.decode()
    marker = 'data-testid="unread-count">'
    if marker not in html:
        return 0
    return int(html.split(marker, 1)[1].split("<", 1)[0])


def test_badge_counts_unread_and_marking_read_lowers_it(anna, anna_client):
    notify(anna, 3)
    notify(PartnerFactory(), 2)  # someone else's
    assert badge(anna_client) == 3

    first = Notification.objects.filter(partner=anna).first()
    response = anna_client.post(f"/dashboard/notifications/{first.pk}/read/", {"open": "1"})
    assert response.status_code == 302 and response["Location"] == "/dashboard/team/"
    assert badge(anna_client, "/dashboard/notifications/") == 2

    anna_client.post("/dashboard/notifications/read-all/")
    assert badge(anna_client) == 0


def test_badge_costs_one_query_whatever_the_count(anna, anna_client):
    def queries():
        anna_client.get("/dashboard/profile/")
        with CaptureQueriesContext(connection) as captured:
            anna_client.get("/dashboard/profile/")
        return [q["sql"] for q in captured.captured_queries]

    notify(anna, 1)
    few = queries()
    notify(anna, 40, start=1)
    many = queries()

    assert len(few) == len(many)
    assert sum("notifications_notification" in sql for sql in many) == 1


def test_list_shows_the_text_in_the_readers_language(anna, client):
    notify(anna, 1)
    client.force_login(anna.user)

    assert (
        "Ben0 B. joined your team."
        in client.get("/dashboard/notifications/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )
    assert (
        "Ben0 B. ist Ihrem Team beigetreten."
        in client.get("/dashboard/notifications/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    )


def test_nobody_marks_another_partners_notification(anna, anna_client):
    ben = PartnerFactory()
    notify(ben, 1)
    theirs = Notification.objects.get(partner=ben)

    response = anna_client.post(f"/dashboard/notifications/{theirs.pk}/read/")

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_list_needs_a_signed_in_partner(client):
    response = client.get("/dashboard/notifications/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_notifications_are_exported_and_erased_with_the_partner(anna):
    import io
    import zipfile

    from privacy.services import person_erase, person_export
    from tests.factories import UserFactory

    notify(anna, 1)
    archive = zipfile.ZipFile(io.BytesIO(person_export(subject_kind="partner", subject_id=anna.pk)))
    exported = [name for name in archive.namelist() if "notification" in name.lower()]
    assert exported
    assert any("Ben0 B." in archive.read(name).decode() for name in exported)

    person_erase(subject_kind="partner", subject_id=anna.pk, actor=UserFactory(is_superuser=True))

    assert "Ben0" not in str(Notification.objects.get(partner=anna).params)
