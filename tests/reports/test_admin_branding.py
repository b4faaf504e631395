"""The admin is the company's: its name, German plurals, framework internals hidden."""

import pytest
from django.urls import reverse

from tests.factories import OrderFactory, UserFactory

pytestmark = pytest.mark.django_db


def _app_labels(response) -> set[str]:
    return {app["app_label"] for app in response.context["app_list"]}


def test_the_admin_carries_the_company_name_not_django(superuser_client, settings):
    page = superuser_client.get(reverse("admin:index")).content.decode()
    assert settings.COMPANY_NAME in page
    assert "Django administration" not in page and "Django-Verwaltung" not in page


def test_the_admin_is_branded_in_german_too(client_for, settings):
    client = client_for(UserFactory(is_staff=True, is_superuser=True), language="de")
    page = client.get(reverse("admin:index")).content.decode()
    assert f"<title>Backoffice | {settings.COMPANY_NAME}</title>" in page
    assert "Django-Verwaltung" not in page


def test_staff_do_not_see_celery_beat_or_allauth_even_with_their_permissions(client_for):
    from django.contrib.auth.models import Permission

    user = UserFactory(is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label__in=["django_celery_beat", "account", "orders"],
            codename__startswith="view_",
        )
    )
    client = client_for(user)
    labels = _app_labels(client.get(reverse("admin:index")))
    assert "orders" in labels
    assert "django_celery_beat" not in labels and "account" not in labels
    assert (
        client.get(reverse("admin:django_celery_beat_periodictask_changelist")).status_code == 403
    )
    assert client.get(reverse("admin:account_emailaddress_changelist")).status_code == 403


def test_superusers_still_see_celery_beat_and_allauth(superuser_client):
    labels = _app_labels(superuser_client.get(reverse("admin:index")))
    assert {"django_celery_beat", "account"} <= labels


@pytest.mark.parametrize(("orders", "expected"), [(1, "1 Bestellung"), (2, "2 Bestellungen")])
def test_the_order_list_counts_in_german_with_the_right_plural(client_for, orders, expected):
    for _ in range(orders):
        OrderFactory()
    client = client_for(UserFactory(is_staff=True, is_superuser=True), language="de")
    page = client.get(reverse("admin:orders_order_changelist")).content.decode()
    assert expected in page


def test_money_columns_show_the_euro_sign_in_the_german_format(client_for):
    from decimal import Decimal

    OrderFactory(price_total=Decimal("1234.50"))
    client = client_for(UserFactory(is_staff=True, is_superuser=True), language="de")
    page = client.get(reverse("admin:orders_order_changelist")).content.decode()
    assert "1.234,50\u00a0€" in page
    assert "Gesamtbetrag" in page  # the column keeps its translated title
    english = client_for(UserFactory(is_staff=True, is_superuser=True))
    assert (
        "1,234.50\u00a0€" in english.get(reverse("admin:orders_order_changelist")).content.decode()
    )


def test_the_ledger_filters_are_all_in_german(client_for):
    client = client_for(UserFactory(is_staff=True, is_superuser=True), language="de")
    page = client.get(reverse("admin:qualification_volumeentry_changelist")).content.decode()
    assert "Nach Ereignis" in page
    assert "Nach kind" not in page
