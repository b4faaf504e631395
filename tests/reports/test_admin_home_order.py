"""The admin home shows the business first (partners, orders, ...); the
technical sections (periodic tasks, sites, e-mail addresses, groups) only
to superusers, below the business under their own heading."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TECHNICAL = {"django_celery_beat", "sites", "account", "auth"}


def app_labels(page: str, labels) -> list[str]:
    """The apps' sections in the order the page shows them."""
    found = [(page.find(f'class="app-{label} module'), label) for label in labels]
    return [label for position, label in sorted(found) if position >= 0]


def test_superusers_see_the_business_first_and_the_technical_sections_below(client_for):
    client = client_for(UserFactory(is_staff=True, is_superuser=True), language="de")

    page = client.get(reverse("admin:index")).content.decode()

    order = app_labels(
        page, ["partners", "orders", "qualification", "payouts", "webhooks", *sorted(TECHNICAL)]
    )
    assert order[:5] == ["partners", "orders", "qualification", "payouts", "webhooks"]
    assert set(order[5:]) == TECHNICAL
    heading = page.find("Technische Einstellungen (nur für Superuser)")
    assert page.find('class="app-webhooks module') < heading < page.find('class="app-auth module')


def test_staff_see_no_groups_or_sites_even_with_their_permissions(client_for):
    user = UserFactory(is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label__in=["auth", "sites", "orders"], codename__startswith="view_"
        )
    )
    client = client_for(user, language="de")

    page = client.get(reverse("admin:index")).content.decode()

    assert 'class="app-orders module' in page
    assert 'class="app-auth module' not in page and 'class="app-sites module' not in page
    assert "Technische Einstellungen" not in page
    assert client.get(reverse("admin:auth_group_changelist")).status_code == 403
    assert client.get(reverse("admin:sites_site_changelist")).status_code == 403
