"""Consent evidence: each answer on the banner or the cookie settings page is kept
(choice, when, text version), and a visitor can withdraw their consent."""

import pytest
from django.conf import settings
from django.test import Client

from orders.referral import CONSENT_TEXT_VERSION
from privacy.models import ConsentRecord

pytestmark = pytest.mark.django_db


def test_answers_are_recorded_with_the_text_version_and_consent_can_be_withdrawn(anna):
    visitor = Client(HTTP_ACCEPT_LANGUAGE="en")
    visitor.post("/consent/", {"choice": "accept", "next": f"/{anna.slug}/"})
    page = visitor.get("/consent/").content.decode()
    assert "You allowed the recommendation cookie." in page and CONSENT_TEXT_VERSION in page

    response = visitor.post("/consent/", {"choice": "decline"})
    assert response.cookies[settings.REFERRAL_COOKIE_NAME].value == ""  # withdrawn: deleted
    assert "You declined" in visitor.get("/consent/").content.decode()
    assert list(ConsentRecord.objects.order_by("pk").values_list("choice", "text_version")) == [
        ("accepted", CONSENT_TEXT_VERSION),
        ("declined", CONSENT_TEXT_VERSION),
    ]


def test_partner_terms_acceptance_survives_erasure(anna, admin):
    from django.utils import timezone

    from partners.models import Partner
    from privacy.services import person_erase

    Partner.objects.filter(pk=anna.pk).update(
        terms_accepted_at=timezone.now(), terms_version="2026-1"
    )
    person_erase(subject_kind="partner", subject_id=anna.pk, actor=admin)
    anna.refresh_from_db()
    assert anna.terms_version == "2026-1" and anna.terms_accepted_at is not None
