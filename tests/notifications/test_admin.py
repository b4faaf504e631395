import pytest

from notifications import kinds, services
from notifications.models import Notification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_admin_lists_notifications_read_only(anna, client):
    services.notifications_create(
        kind=kinds.TEAM_NEW, items=[(anna.pk, "partner:7", {"name": "Ben B."})]
    )
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    note = Notification.objects.get()

    listing = client.get("/admin/notifications/notification/", HTTP_ACCEPT_LANGUAGE="en")
    assert listing.status_code == 200
    assert "Ben B. joined your team." in listing.content.decode()
    assert client.get("/admin/notifications/notification/add/").status_code == 403
    detail = client.get(f"/admin/notifications/notification/{note.pk}/change/")
    assert detail.status_code == 200 and b'name="_save"' not in detail.content
    assert client.get("/admin/notifications/digestmail/").status_code == 200
