"""File inputs in the admin speak the page's language: the browser's native
"Choose File / No file chosen" is English in Chromium whatever the page says,
so the admin draws the button and the "no file" note in its own words."""

import pytest
from django.test import Client

from tests.factories import ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def german_admin():
    client = Client(HTTP_ACCEPT_LANGUAGE="de")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("/admin/payouts/bankstatement/upload/", "file"),
        ("/admin/sandbox/sandboxrun/new/", "file"),
        ("/admin/orders/product/add/", "image"),
        ("/admin/partners/partner/{partner}/change/", "photo"),
    ],
)
def test_every_file_input_of_the_admin_is_labelled_in_german(german_admin, url, name):
    from tests.factories import PartnerFactory

    html = german_admin.get(url.format(partner=PartnerFactory().pk)).content.decode()

    assert f'type="file" name="{name}"' in html
    assert ">Datei auswählen</label>" in html
    assert "Keine Datei ausgewählt" in html


def test_a_stored_image_keeps_currently_and_clear_in_german(german_admin):
    product = ProductFactory(image="products/seife.jpg")

    html = german_admin.get(f"/admin/orders/product/{product.pk}/change/").content.decode()

    assert "Derzeit:" in html and "Ändern:" in html and "Datei auswählen" in html
