"""The staff roles' names: stored as the English keys the code looks them up
by, shown in German to German admins (group list and the user form)."""

import re

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

GERMAN = {
    "Support": "Kundenservice",
    "Finance": "Finanzen",
    "Finance approver": "Finanzfreigabe",
    "Plan manager": "Planverwaltung",
}


def cells(page: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", c).strip()
        for c in re.findall(r'<th class="field-role_name">(.*?)</th>', page, re.S)
    ]


def test_german_admins_read_the_roles_in_german_and_english_ones_in_english(client_for):
    admin = UserFactory(is_staff=True, is_superuser=True)
    url = reverse("admin:auth_group_changelist")

    german = client_for(admin, language="de").get(url).content.decode()
    english = client_for(admin, language="en").get(url).content.decode()

    assert set(GERMAN.values()) <= set(cells(german))
    assert not set(GERMAN) & set(cells(german))
    assert set(GERMAN) <= set(cells(english))
    # the stored names stay the keys code and migrations look the roles up by
    assert set(Group.objects.values_list("name", flat=True)) >= set(GERMAN)


def test_the_user_form_offers_the_roles_in_german(client_for):
    admin = UserFactory(is_staff=True, is_superuser=True)
    page = (
        client_for(admin, language="de")
        .get(reverse("admin:partners_user_change", args=[admin.pk]))
        .content.decode()
    )
    options = re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', page)
    assert {"Finanzfreigabe", "Planverwaltung", "Kundenservice", "Finanzen"} <= set(options)
    assert "Finance approver" not in options


def test_a_group_an_admin_made_is_shown_as_named(client_for):
    admin = UserFactory(is_staff=True, is_superuser=True)
    Group.objects.create(name="Lager Nord")
    page = (
        client_for(admin, language="de")
        .get(reverse("admin:auth_group_changelist"))
        .content.decode()
    )
    assert "Lager Nord" in cells(page)
